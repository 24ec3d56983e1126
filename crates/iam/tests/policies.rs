//! Golden cases from the AWS IAM and DynamoDB documentation, evaluated end
//! to end: parse the policy, build the request, check the decision.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used)]

use iam::dynamodb::{self, ItemAccess, Target};
use iam::{evaluate, evaluate_all, Decision, Denied, Error, Policy, Principal, RequestContext};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-west-2";
const GAME_SCORES: &str = "arn:aws:dynamodb:us-west-2:123456789012:table/GameScores";

fn alice() -> Principal {
    Principal::user(ACCOUNT, "alice", "AIDAALICE").with_tag("team", "blue")
}

fn request(action: &str, resource: &str) -> RequestContext {
    RequestContext::new(alice(), action, resource)
}

fn parse(text: &str) -> Policy {
    match Policy::parse(text) {
        Ok(p) => p,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn invalid(text: &str) -> String {
    match Policy::parse(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

/// DynamoDB developer guide, "Using IAM policy conditions for fine-grained
/// access control" (with `${aws:userid}` for the web-identity user id).
const FINE_GRAINED: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowAccessToOnlyItemsMatchingUserID",
            "Effect": "Allow",
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:BatchWriteItem"
            ],
            "Resource": ["arn:aws:dynamodb:us-west-2:123456789012:table/GameScores"],
            "Condition": {
                "ForAllValues:StringEquals": {
                    "dynamodb:LeadingKeys": ["${aws:userid}"],
                    "dynamodb:Attributes": [
                        "UserId", "GameTitle", "Wins", "Losses", "TopScore", "TopScoreDateTime"
                    ]
                },
                "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}
            }
        }
    ]
}"#;

fn game_scores_read(
    leading: &[&str],
    attributes: Option<&[&str]>,
    select: Option<&str>,
) -> Result<(), Denied> {
    let policies = [parse(FINE_GRAINED)];
    let mut access = ItemAccess::new("GetItem", "GameScores");
    access.leading_keys = leading.iter().map(|s| (*s).to_owned()).collect();
    access.attributes = attributes.map(|a| a.iter().map(|s| (*s).to_owned()).collect());
    access.select = select.map(str::to_owned);
    let checks =
        dynamodb::checks_for("GetItem", REGION, ACCOUNT, Target::Items(vec![access])).unwrap();
    assert_eq!(checks[0].resource, GAME_SCORES);
    evaluate_all(
        &policies,
        &request("dynamodb:GetItem", GAME_SCORES),
        &checks,
    )
}

#[test]
fn fine_grained_access_allows_own_items_and_listed_attributes() {
    assert_eq!(
        game_scores_read(
            &["AIDAALICE"],
            Some(&["UserId", "TopScore"]),
            Some("SPECIFIC_ATTRIBUTES")
        ),
        Ok(())
    );
    // No Select key at all (GetItem with a projection): IfExists lets it through.
    assert_eq!(
        game_scores_read(&["AIDAALICE"], Some(&["Wins"]), None),
        Ok(())
    );
}

#[test]
fn fine_grained_access_denies_other_users_items() {
    assert_eq!(
        game_scores_read(&["AIDABOB"], Some(&["UserId"]), Some("SPECIFIC_ATTRIBUTES")),
        Err(Denied {
            index: 0,
            decision: Decision::ImplicitDeny
        })
    );
    // One foreign key among several is enough to deny (ForAllValues).
    assert!(game_scores_read(&["AIDAALICE", "AIDABOB"], Some(&["UserId"]), None).is_err());
}

#[test]
fn fine_grained_access_denies_unlisted_attributes_and_full_reads() {
    assert!(game_scores_read(&["AIDAALICE"], Some(&["UserId", "PasswordHash"]), None).is_err());
    assert!(game_scores_read(&["AIDAALICE"], None, Some("ALL_ATTRIBUTES")).is_err());
}

#[test]
fn fine_grained_access_in_a_batch_and_a_transaction() {
    let policies = [parse(FINE_GRAINED)];
    let ctx = request("dynamodb:BatchWriteItem", "*");
    let mut mine = ItemAccess::new("", "GameScores");
    mine.leading_keys = vec!["AIDAALICE".into()];
    let checks = dynamodb::checks_for(
        "BatchWriteItem",
        REGION,
        ACCOUNT,
        Target::Items(vec![mine.clone()]),
    )
    .unwrap();
    assert_eq!(evaluate_all(&policies, &ctx, &checks), Ok(()));

    // TransactWriteItems is authorized element by element; ConditionCheckItem
    // is not in the policy's action list, so the third element fails.
    let mut put = mine.clone();
    put.action = "PutItem";
    let mut update = mine.clone();
    update.action = "UpdateItem";
    let mut check = mine;
    check.action = "ConditionCheckItem";
    let checks = dynamodb::checks_for(
        "TransactWriteItems",
        REGION,
        ACCOUNT,
        Target::Items(vec![put, update, check]),
    )
    .unwrap();
    assert_eq!(
        evaluate_all(&policies, &ctx, &checks),
        Err(Denied {
            index: 2,
            decision: Decision::ImplicitDeny
        })
    );
    assert_eq!(evaluate_all(&policies, &ctx, &checks[..2]), Ok(()));
}

/// IAM user guide, "AWS: Denies access to AWS based on the source IP".
const DENY_OUTSIDE_IP_RANGE: &str = r#"{
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
            "Bool": {"aws:ViaAWSService": "false"}
        }
    }
}"#;

const ALLOW_ALL_DYNAMODB: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}}"#;

#[test]
fn deny_unless_from_ip_range() {
    let policies = [parse(ALLOW_ALL_DYNAMODB), parse(DENY_OUTSIDE_IP_RANGE)];
    let from = |ip: &str| {
        request("dynamodb:GetItem", GAME_SCORES)
            .with_source_ip(ip.parse().unwrap())
            .with_key("aws:ViaAWSService", false)
    };
    assert_eq!(evaluate(&policies, &from("203.0.113.40")), Decision::Allow);
    assert_eq!(evaluate(&policies, &from("192.0.2.1")), Decision::Allow);
    assert_eq!(
        evaluate(&policies, &from("198.51.100.1")),
        Decision::ExplicitDeny
    );
    assert_eq!(
        evaluate(&policies, &from("2001:db8::1")),
        Decision::ExplicitDeny
    );
    // Without aws:ViaAWSService the Bool condition is false and the Deny does not apply.
    let no_via =
        request("dynamodb:GetItem", GAME_SCORES).with_source_ip("198.51.100.1".parse().unwrap());
    assert_eq!(evaluate(&policies, &no_via), Decision::Allow);
    // Without aws:SourceIp, NotIpAddress is true (negated operator, key absent): denied.
    let no_ip = request("dynamodb:GetItem", GAME_SCORES).with_key("aws:ViaAWSService", "false");
    assert_eq!(evaluate(&policies, &no_ip), Decision::ExplicitDeny);
}

#[test]
fn explicit_deny_overrides_allow() {
    let deny_delete = parse(
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "NoDeletes", "Effect": "Deny",
            "Action": ["dynamodb:DeleteItem", "dynamodb:DeleteTable"], "Resource": "arn:aws:dynamodb:*:*:table/*"}]}"#,
    );
    let policies = [parse(ALLOW_ALL_DYNAMODB), deny_delete];
    assert_eq!(
        evaluate(&policies, &request("dynamodb:DeleteItem", GAME_SCORES)),
        Decision::ExplicitDeny
    );
    assert_eq!(
        evaluate(&policies, &request("dynamodb:DeleteTable", GAME_SCORES)),
        Decision::ExplicitDeny
    );
    assert_eq!(
        evaluate(&policies, &request("dynamodb:PutItem", GAME_SCORES)),
        Decision::Allow
    );
    assert_eq!(
        evaluate(&policies[1..], &request("dynamodb:PutItem", GAME_SCORES)),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_action_with_allow() {
    // IAM user guide: allow everything except IAM.
    let policies = [parse(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}"#,
    )];
    assert_eq!(
        evaluate(&policies, &request("dynamodb:Scan", GAME_SCORES)),
        Decision::Allow
    );
    assert_eq!(
        evaluate(&policies, &request("iam:CreateUser", "*")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        evaluate(&policies, &request("IAM:createuser", "*")),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_resource_with_deny() {
    // Deny every DynamoDB action on anything but the GameScores table and its indexes.
    let policies = [
        parse(ALLOW_ALL_DYNAMODB),
        parse(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "dynamodb:*",
                "NotResource": ["arn:aws:dynamodb:us-west-2:123456789012:table/GameScores",
                                "arn:aws:dynamodb:us-west-2:123456789012:table/GameScores/index/*"]}}"#,
        ),
    ];
    assert_eq!(
        evaluate(&policies, &request("dynamodb:Query", GAME_SCORES)),
        Decision::Allow
    );
    let index = format!("{GAME_SCORES}/index/ByTitle");
    assert_eq!(
        evaluate(&policies, &request("dynamodb:Query", &index)),
        Decision::Allow
    );
    let other = "arn:aws:dynamodb:us-west-2:123456789012:table/Secrets";
    assert_eq!(
        evaluate(&policies, &request("dynamodb:Query", other)),
        Decision::ExplicitDeny
    );
    // A non-DynamoDB action is outside the Deny's Action: only the Allow is consulted.
    assert_eq!(
        evaluate(&policies, &request("s3:GetObject", other)),
        Decision::ImplicitDeny
    );
}

#[test]
fn date_window_on_current_time() {
    // IAM user guide: allow access within specific dates.
    let policies = [parse(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
                          "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}}}"#,
    )];
    let at = |iso: &str| {
        let t = chrono::DateTime::parse_from_rfc3339(iso)
            .unwrap()
            .with_timezone(&chrono::Utc);
        request("dynamodb:GetItem", GAME_SCORES).with_time(t)
    };
    assert_eq!(
        evaluate(&policies, &at("2020-05-15T12:00:00Z")),
        Decision::Allow
    );
    assert_eq!(
        evaluate(&policies, &at("2020-03-31T23:59:59Z")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        evaluate(&policies, &at("2020-06-30T23:59:59Z")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        evaluate(&policies, &request("dynamodb:GetItem", GAME_SCORES)),
        Decision::ImplicitDeny
    );
    // aws:EpochTime compares with ISO dates too.
    let epoch = [parse(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"DateLessThan": {"aws:EpochTime": "2020-06-30T23:59:59Z"}}}}"#,
    )];
    assert_eq!(
        evaluate(&epoch, &at("2020-05-15T12:00:00Z")),
        Decision::Allow
    );
    assert_eq!(
        evaluate(&epoch, &at("2021-05-15T12:00:00Z")),
        Decision::ImplicitDeny
    );
}

#[test]
fn null_condition() {
    // Deny unless the request was made with temporary credentials (key present).
    let policies = [
        parse(ALLOW_ALL_DYNAMODB),
        parse(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": {"Null": {"aws:TokenIssueTime": "true"}}}}"#,
        ),
    ];
    let plain = request("dynamodb:GetItem", GAME_SCORES);
    assert_eq!(evaluate(&policies, &plain), Decision::ExplicitDeny);
    let temporary = plain.with_key("aws:TokenIssueTime", "2024-01-01T00:00:00Z");
    assert_eq!(evaluate(&policies, &temporary), Decision::Allow);
}

fn tag_policy(operator: &str) -> Policy {
    parse(&format!(
        r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": "dynamodb:TagResource",
            "Resource": "*", "Condition": {{"{operator}": {{"aws:TagKeys": ["environment", "cost-center"]}}}}}}}}"#
    ))
}

#[test]
fn for_all_values_versus_for_any_value() {
    let all = [tag_policy("ForAllValues:StringEquals")];
    let any = [tag_policy("ForAnyValue:StringEquals")];
    let tags =
        |keys: &[&str]| request("dynamodb:TagResource", GAME_SCORES).with_key("aws:TagKeys", keys);
    assert_eq!(evaluate(&all, &tags(&["environment"])), Decision::Allow);
    assert_eq!(
        evaluate(&all, &tags(&["environment", "owner"])),
        Decision::ImplicitDeny
    );
    assert_eq!(
        evaluate(&any, &tags(&["environment", "owner"])),
        Decision::Allow
    );
    assert_eq!(evaluate(&any, &tags(&["owner"])), Decision::ImplicitDeny);
    // The documented gotcha: ForAllValues is true when the key is missing or empty.
    let untagged = request("dynamodb:TagResource", GAME_SCORES);
    assert_eq!(evaluate(&all, &untagged), Decision::Allow);
    assert_eq!(evaluate(&all, &tags(&[])), Decision::Allow);
    assert_eq!(evaluate(&any, &untagged), Decision::ImplicitDeny);
    assert_eq!(evaluate(&any, &tags(&[])), Decision::ImplicitDeny);
}

#[test]
fn if_exists_forms() {
    let policies = [parse(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb:UpdateItem", "Resource": "*",
            "Condition": {"StringEqualsIfExists": {"dynamodb:ReturnValues": ["NONE", "UPDATED_NEW"]},
                          "NumericLessThanEqualsIfExists": {"k:batchSize": 25}}}}"#,
    )];
    let update = || request("dynamodb:UpdateItem", GAME_SCORES);
    assert_eq!(evaluate(&policies, &update()), Decision::Allow);
    assert_eq!(
        evaluate(
            &policies,
            &update().with_key("dynamodb:ReturnValues", "UPDATED_NEW")
        ),
        Decision::Allow
    );
    assert_eq!(
        evaluate(
            &policies,
            &update().with_key("dynamodb:ReturnValues", "ALL_OLD")
        ),
        Decision::ImplicitDeny
    );
    assert_eq!(
        evaluate(&policies, &update().with_key("k:batchSize", "26")),
        Decision::ImplicitDeny
    );
    assert_eq!(
        evaluate(&policies, &update().with_key("k:batchSize", "25")),
        Decision::Allow
    );
}

#[test]
fn policy_variables_with_defaults() {
    let policies = [parse(
        r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*",
             "Resource": "arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/team, 'shared'}-*"},
            {"Effect": "Allow", "Action": "dynamodb:GetItem",
             "Resource": "arn:aws:dynamodb:*:*:table/home-${aws:username}"}
        ]}"#,
    )];
    let blue = "arn:aws:dynamodb:us-west-2:123456789012:table/blue-scores";
    let shared = "arn:aws:dynamodb:us-west-2:123456789012:table/shared-scores";
    assert_eq!(
        evaluate(&policies, &request("dynamodb:PutItem", blue)),
        Decision::Allow
    );
    assert_eq!(
        evaluate(&policies, &request("dynamodb:PutItem", shared)),
        Decision::ImplicitDeny
    );
    let untagged = RequestContext::new(
        Principal::user(ACCOUNT, "bob", "AIDABOB"),
        "dynamodb:PutItem",
        shared,
    );
    assert_eq!(evaluate(&policies, &untagged), Decision::Allow);
    let home = "arn:aws:dynamodb:us-west-2:123456789012:table/home-alice";
    assert_eq!(
        evaluate(&policies, &request("dynamodb:GetItem", home)),
        Decision::Allow
    );
    let bobs_home = "arn:aws:dynamodb:us-west-2:123456789012:table/home-bob";
    assert_eq!(
        evaluate(&policies, &request("dynamodb:GetItem", bobs_home)),
        Decision::ImplicitDeny
    );
    // A principal without a user name: the variable has no value, the Resource matches nothing.
    let root = Principal {
        user_name: None,
        ..Principal::user(ACCOUNT, "", "123456789012")
    };
    let literal = "arn:aws:dynamodb:us-west-2:123456789012:table/home-${aws:username}";
    assert_eq!(
        evaluate(
            &policies,
            &RequestContext::new(root.clone(), "dynamodb:GetItem", literal)
        ),
        Decision::ImplicitDeny
    );
    assert_eq!(
        evaluate(
            &policies,
            &RequestContext::new(
                root,
                "dynamodb:GetItem",
                "arn:aws:dynamodb:us-west-2:1:table/home-"
            )
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn policy_variables_are_literal_without_version_2012() {
    let policies = [parse(
        r#"{"Statement": {"Effect": "Allow", "Action": "dynamodb:GetItem",
            "Resource": "arn:aws:dynamodb:*:*:table/home-${aws:username}"}}"#,
    )];
    let home = "arn:aws:dynamodb:us-west-2:123456789012:table/home-alice";
    assert_eq!(
        evaluate(&policies, &request("dynamodb:GetItem", home)),
        Decision::ImplicitDeny
    );
    let literal = "arn:aws:dynamodb:us-west-2:123456789012:table/home-${aws:username}";
    assert_eq!(
        evaluate(&policies, &request("dynamodb:GetItem", literal)),
        Decision::Allow
    );
}

#[test]
fn special_character_variables() {
    let policies = [parse(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringLike": {"k:path": "literal${*}star/*"}}}}"#,
    )];
    let with = |v: &str| request("dynamodb:GetItem", GAME_SCORES).with_key("k:path", v);
    assert_eq!(
        evaluate(&policies, &with("literal*star/x")),
        Decision::Allow
    );
    assert_eq!(
        evaluate(&policies, &with("literalXstar/x")),
        Decision::ImplicitDeny
    );
}

#[test]
fn actions_are_case_insensitive_resources_are_not() {
    let policies = [parse(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
            "Action": ["DynamoDB:get*", "dynamodb:QUERY"], "Resource": "arn:aws:dynamodb:*:*:table/GameScores"}}"#,
    )];
    assert_eq!(
        evaluate(&policies, &request("dynamodb:GetItem", GAME_SCORES)),
        Decision::Allow
    );
    assert_eq!(
        evaluate(&policies, &request("dynamodb:getrecords", GAME_SCORES)),
        Decision::Allow
    );
    assert_eq!(
        evaluate(&policies, &request("dynamodb:Query", GAME_SCORES)),
        Decision::Allow
    );
    assert_eq!(
        evaluate(&policies, &request("dynamodb:Scan", GAME_SCORES)),
        Decision::ImplicitDeny
    );
    let lower = "arn:aws:dynamodb:us-west-2:123456789012:table/gamescores";
    assert_eq!(
        evaluate(&policies, &request("dynamodb:GetItem", lower)),
        Decision::ImplicitDeny
    );
}

#[test]
fn list_tables_needs_an_account_wide_resource() {
    let check = dynamodb::checks_for("ListTables", REGION, ACCOUNT, Target::Account).unwrap();
    let ctx = request("dynamodb:ListTables", "*");
    let star = [parse(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"}}"#,
    )];
    let tables = [parse(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb:ListTables",
            "Resource": "arn:aws:dynamodb:us-west-2:123456789012:table/*"}}"#,
    )];
    let one_table = [parse(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb:ListTables",
            "Resource": "arn:aws:dynamodb:us-west-2:123456789012:table/GameScores"}}"#,
    )];
    assert_eq!(evaluate_all(&star, &ctx, &check), Ok(()));
    assert_eq!(evaluate_all(&tables, &ctx, &check), Ok(()));
    assert!(evaluate_all(&one_table, &ctx, &check).is_err());
}

#[test]
fn invalid_documents() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"Version": "2010-01-01", "Statement": []}"#,
            "unsupported policy Version \"2010-01-01\"",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Permit", "Action": "*", "Resource": "*"}]}"#,
            "Statement[1]: Effect must be \"Allow\" or \"Deny\"",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Resource": "*"}}"#,
            "Statement[0]: missing Action or NotAction",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "*"}}"#,
            "Statement[0]: both Resource and NotResource",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {"StringEqualz": {"aws:username": "alice"}}}}"#,
            "Statement[0]: unknown condition operator \"StringEqualz\"",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb", "Resource": "*"}}"#,
            "Statement[0]: action \"dynamodb\" must have the form service:action",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Actions": "*", "Resource": "*"}}"#,
            "Statement[0]: unknown field \"Actions\"",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": [
                {"Sid": "Same", "Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Sid": "Same", "Effect": "Deny", "Action": "*", "Resource": "*"}]}"#,
            "Statement[1]: Statement IDs (SID) in a single policy must be unique: \"Same\" is also the Sid of Statement[0]",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {"NumericLessThan": {"dynamodb:Limit": "many"}}}}"#,
            "Statement[0]: condition NumericLessThan \"dynamodb:Limit\": \"many\" is not a number",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/33"}}}}"#,
            "Statement[0]: condition IpAddress \"aws:SourceIp\": \"203.0.113.0/33\" is not an IP address or CIDR block",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {"DateLessThan": {"aws:CurrentTime": "next week"}}}}"#,
            "Statement[0]: condition DateLessThan \"aws:CurrentTime\": \"next week\" is not a date (ISO 8601 or epoch seconds)",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {"NullIfExists": {"aws:TokenIssueTime": "true"}}}}"#,
            "Statement[0]: condition operator \"NullIfExists\": Null cannot be combined with IfExists",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "Music"}}"#,
            "Statement[0]: resource \"Music\" must be \"*\" or an ARN (arn:partition:service:region:account:resource)",
        ),
        (r#"{"Version": "2012-10-17"}"#, "missing Statement"),
        (r#"{"Version": "2012-10-17", "Statement": [], "Extra": 1}"#, "unknown field \"Extra\""),
    ];
    for (text, message) in cases {
        assert_eq!(invalid(text), *message, "{text}");
    }
    assert!(matches!(Policy::parse("{"), Err(Error::Json(_))));
    let huge = format!(
        r#"{{"Version": "2012-10-17", "Statement": {{"Sid": "{}", "Effect": "Allow", "Action": "*", "Resource": "*"}}}}"#,
        "A".repeat(iam::MAX_MANAGED_POLICY_SIZE)
    );
    assert!(matches!(Policy::parse(&huge), Err(Error::TooLarge { .. })));
}

#[test]
fn round_trips_the_document() {
    let p = parse(FINE_GRAINED);
    let again = Policy::from_value(&p.to_value()).unwrap();
    assert_eq!(again, p);
    assert_eq!(
        p.statements()[0].sid(),
        Some("AllowAccessToOnlyItemsMatchingUserID")
    );
}

#[test]
fn evaluation_is_cheap() {
    // Not a benchmark: a loose bound (100x above what a debug build needs)
    // that would catch accidental per-evaluation parsing or quadratic work.
    let policies = [
        parse(FINE_GRAINED),
        parse(DENY_OUTSIDE_IP_RANGE),
        parse(ALLOW_ALL_DYNAMODB),
    ];
    let ctx = request("dynamodb:GetItem", GAME_SCORES)
        .with_source_ip("203.0.113.40".parse().unwrap())
        .with_key("aws:ViaAWSService", false)
        .with_key("dynamodb:LeadingKeys", vec!["AIDAALICE".to_owned()])
        .with_key(
            "dynamodb:Attributes",
            vec!["UserId".to_owned(), "Wins".to_owned()],
        );
    let n = 2000u32;
    let start = std::time::Instant::now();
    for _ in 0..n {
        assert_eq!(evaluate(&policies, &ctx), Decision::Allow);
    }
    let per = start.elapsed() / n;
    assert!(
        per < std::time::Duration::from_millis(1),
        "{per:?} per evaluation"
    );
}

#[test]
fn context_dependence_is_known_per_policy() {
    let plain = iam::Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:*:*:table/T"},
            {"Effect":"Deny","NotAction":"dynamodb:Get*","NotResource":"*"}]}"#,
    )
    .unwrap();
    assert!(!plain.depends_on_context());
    let conditional = iam::Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*",
            "Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
    )
    .unwrap();
    assert!(conditional.depends_on_context());
    let variable = iam::Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:*:*:table/${aws:username}"}]}"#,
    )
    .unwrap();
    assert!(variable.depends_on_context());
    let old_version = iam::Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:*:*:table/${aws:username}"}]}"#,
    )
    .unwrap();
    assert!(!old_version.depends_on_context(), "2008-10-17 has no variables");
}
