//! End-to-end tests: golden vectors from AWS's SigV4 test suite and
//! documentation, requests produced by botocore, and the error paths with
//! their exact wire messages.

use chrono::{DateTime, TimeZone, Utc};

use crate::*;

const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const HOST: &str = "example.amazonaws.com";
const AMZ_DATE: &str = "20150830T123600Z";
const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2015, 8, 30, h, m, s)
        .single()
        .expect("valid time")
}

fn suite_authz(signed: &str, signature: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signed}, Signature={signature}"
    )
}

/// One case of the AWS SigV4 test suite (key AKIDEXAMPLE, 20150830T123600Z,
/// us-east-1, service "service").
struct Case<'a> {
    name: &'a str,
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    extra_headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
    signed: &'a str,
    signature: &'a str,
}

impl Case<'_> {
    fn headers(&self, authorization: &str) -> Vec<(String, String)> {
        let mut headers = vec![
            ("Host".to_owned(), HOST.to_owned()),
            ("X-Amz-Date".to_owned(), AMZ_DATE.to_owned()),
        ];
        headers.extend(
            self.extra_headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        headers.push(("Authorization".to_owned(), authorization.to_owned()));
        headers
    }

    fn check(&self) {
        let authorization = suite_authz(self.signed, self.signature);
        let owned = self.headers(&authorization);
        let headers: Vec<(&str, &str)> = owned
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let req = Request {
            method: self.method,
            path: self.path,
            query: self.query,
            headers: &headers,
            body: self.body,
        };
        let claim =
            parse(&req, at(12, 36, 0)).unwrap_or_else(|e| panic!("{}: parse: {e}", self.name));
        assert_eq!(claim.access_key_id, "AKIDEXAMPLE", "{}", self.name);
        assert_eq!(claim.date, "20150830", "{}", self.name);
        assert_eq!(claim.region, "us-east-1", "{}", self.name);
        assert_eq!(claim.service, "service", "{}", self.name);
        assert_eq!(claim.amz_date, AMZ_DATE, "{}", self.name);
        assert_eq!(claim.signed_headers.join(";"), self.signed, "{}", self.name);
        assert!(!claim.presigned);
        verify(&req, &claim, SECRET).unwrap_or_else(|e| panic!("{}: verify: {e}", self.name));
        assert_eq!(
            verify(&req, &claim, b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEX"),
            Err(Error::InvalidSignature(MISMATCH.to_owned())),
            "{}",
            self.name
        );

        // The client side agrees: signing the same request reproduces the
        // published Authorization header.
        let unsigned: Vec<(&str, &str)> = headers
            .iter()
            .copied()
            .filter(|(n, _)| *n != "Authorization")
            .collect();
        let signed: Vec<&str> = self.signed.split(';').collect();
        let params = SigningParams {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: SECRET,
            region: "us-east-1",
            service: "service",
            amz_date: AMZ_DATE,
        };
        let client = Request {
            headers: &unsigned,
            ..req
        };
        assert_eq!(
            sign_request(&client, &params, &signed),
            authorization,
            "{}",
            self.name
        );
    }
}

const fn case<'a>(
    name: &'a str,
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    signed: &'a str,
    signature: &'a str,
) -> Case<'a> {
    Case {
        name,
        method,
        path,
        query,
        extra_headers: &[],
        body: b"",
        signed,
        signature,
    }
}

const HD: &str = "host;x-amz-date";
const VANILLA: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

#[test]
fn aws_suite_vanilla_and_query_cases() {
    let cases = [
        case("get-vanilla", "GET", "/", None, HD, VANILLA),
        case("get-vanilla-query", "GET", "/", Some(""), HD, VANILLA),
        case(
            "get-vanilla-query-order-key-case",
            "GET",
            "/",
            Some("Param2=value2&Param1=value1"),
            HD,
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
        case(
            "get-vanilla-empty-query-key",
            "GET",
            "/",
            Some("Param1=value1"),
            HD,
            "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
        ),
        case(
            "get-vanilla-query-unreserved",
            "GET",
            "/",
            Some("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
            HD,
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
        ),
        case(
            "get-vanilla-utf8-query (as sent on the wire)",
            "GET",
            "/",
            Some("%E1%88%B4=bar"),
            HD,
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
        ),
        case(
            "get-vanilla-utf8-query (raw)",
            "GET",
            "/",
            Some("ሴ=bar"),
            HD,
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
        ),
        case(
            "post-vanilla",
            "POST",
            "/",
            None,
            HD,
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        ),
        case(
            "post-vanilla-query",
            "POST",
            "/",
            Some("Param1=value1"),
            HD,
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
        ),
        case(
            "post-vanilla-query-nonunreserved (as sent on the wire)",
            "POST",
            "/",
            Some("%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D"),
            HD,
            "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e",
        ),
        case(
            "get-unreserved",
            "GET",
            "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            None,
            HD,
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
        ),
    ];
    for c in &cases {
        c.check();
    }
}

#[test]
fn aws_suite_header_and_body_cases() {
    let form = Case {
        name: "post-x-www-form-urlencoded",
        method: "POST",
        path: "/",
        query: None,
        extra_headers: &[("Content-Type", "application/x-www-form-urlencoded")],
        body: b"Param1=value1",
        signed: "content-type;host;x-amz-date",
        signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    };
    let form_params = Case {
        name: "post-x-www-form-urlencoded-parameters",
        extra_headers: &[(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf8",
        )],
        signature: "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
        ..form
    };
    let trim = Case {
        name: "get-header-value-trim",
        extra_headers: &[("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
        signed: "host;my-header1;my-header2;x-amz-date",
        signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        ..case("", "GET", "/", None, "", "")
    };
    let duplicate = Case {
        name: "get-header-key-duplicate",
        extra_headers: &[
            ("My-Header1", "value2"),
            ("My-Header1", "value2"),
            ("My-Header1", "value1"),
        ],
        signed: "host;my-header1;x-amz-date",
        signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
        ..case("", "GET", "/", None, "", "")
    };
    let order = Case {
        name: "get-header-value-order",
        extra_headers: &[
            ("My-Header1", "value4"),
            ("My-Header1", "value1"),
            ("My-Header1", "value3"),
            ("My-Header1", "value2"),
        ],
        signed: "host;my-header1;x-amz-date",
        signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
        ..case("", "GET", "/", None, "", "")
    };
    let value_case = Case {
        name: "post-header-value-case",
        extra_headers: &[("My-Header1", "VALUE1")],
        signed: "host;my-header1;x-amz-date",
        signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
        ..case("", "POST", "/", None, "", "")
    };
    for c in [&form, &form_params, &trim, &duplicate, &order, &value_case] {
        c.check();
    }
}

#[test]
fn aws_suite_path_cases() {
    let cases = [
        // Raw (unencoded) paths as in the suite's .req files.
        case(
            "get-space",
            "GET",
            "/example space/",
            None,
            HD,
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
        ),
        case(
            "get-utf8",
            "GET",
            "/ሴ",
            None,
            HD,
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
        ),
        // normalize-path/*
        case("get-slash", "GET", "//", None, HD, VANILLA),
        case("get-slash-dot-slash", "GET", "/./", None, HD, VANILLA),
        case("get-relative", "GET", "/example/..", None, HD, VANILLA),
        case(
            "get-relative-relative",
            "GET",
            "/example1/example2/../..",
            None,
            HD,
            VANILLA,
        ),
        case(
            "get-slashes",
            "GET",
            "//example//",
            None,
            HD,
            "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
        ),
        case(
            "get-slash-pointless-dot",
            "GET",
            "/./example",
            None,
            HD,
            "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
        ),
        // What botocore signs for "/example%20space/" on the wire: the
        // canonical URI is encoded once more ("/example%2520space/").
        case(
            "get-space as sent by botocore",
            "GET",
            "/example%20space/",
            None,
            HD,
            "446b817944c553435b35e813c261ff4e161fff982d1bacdef1c87f6785dd1662",
        ),
    ];
    for c in &cases {
        c.check();
    }
}

#[test]
fn get_vanilla_intermediate_values() {
    let headers = [("Host", HOST), ("X-Amz-Date", AMZ_DATE)];
    let req = Request {
        method: "GET",
        path: "/",
        query: None,
        headers: &headers,
        body: b"",
    };
    let canonical = canonical_request(
        &req,
        &["host", "x-amz-date"],
        &payload_hash(&req).expect("no header"),
        false,
    );
    assert_eq!(
        canonical,
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let scope = credential_scope("20150830", "us-east-1", "service");
    let sts = string_to_sign(AMZ_DATE, &scope, &canonical);
    assert_eq!(
        sts,
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
    );
    let key = signing_key(SECRET, "20150830", "us-east-1", "service");
    assert_eq!(sign(&key, &sts), VANILLA);
}

#[test]
fn iam_list_users_documentation_example() {
    let authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
    let headers = [
        ("Host", "iam.amazonaws.com"),
        (
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        ("X-Amz-Date", AMZ_DATE),
        ("Authorization", authorization),
    ];
    let req = Request {
        method: "GET",
        path: "/",
        query: Some("Action=ListUsers&Version=2010-05-08"),
        headers: &headers,
        body: b"",
    };
    let claim = parse(&req, at(12, 36, 0)).expect("parse");
    assert_eq!(claim.service, "iam");
    let canonical = canonical_request(
        &req,
        &claim.signed_headers,
        &payload_hash(&req).expect("hash"),
        false,
    );
    assert_eq!(
        canonical,
        "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert!(
        string_to_sign(AMZ_DATE, &claim.credential_scope(), &canonical)
            .ends_with("\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59")
    );
    assert_eq!(verify(&req, &claim, SECRET), Ok(()));
    assert_eq!(check_scope(&claim, "iam"), Ok(()));
}

/// `ListTables` as sent by botocore 1.43 (endpoint http://localhost:8000,
/// us-east-1), captured once and pasted here.
#[test]
fn botocore_dynamodb_list_tables() {
    let headers = [
        ("Host", "localhost:8000"),
        ("Accept-Encoding", "identity"),
        ("X-Amz-Target", "DynamoDB_20120810.ListTables"),
        ("Content-Type", "application/x-amz-json-1.0"),
        ("User-Agent", "Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v595 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/D,N,P,e,Z,b cfg/retry-mode#legacy"),
        ("X-Amz-Date", "20150830T123600Z"),
        ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=2c15ed7ee8360be5191c4f7fa4c3786076090b77a41d66fafd26efa4f0cd0e21"),
        ("amz-sdk-invocation-id", "8dde6daf-bba9-4e8c-947a-5549a02e67b3"),
        ("amz-sdk-request", "attempt=1"),
        ("Content-Length", "2"),
    ];
    let req = Request {
        method: "POST",
        path: "/",
        query: None,
        headers: &headers,
        body: b"{}",
    };
    let claim = parse(&req, at(12, 40, 0)).expect("parse");
    assert_eq!(check_scope(&claim, "dynamodb"), Ok(()));
    assert_eq!(check_region(&claim, "us-east-1"), Ok(()));
    assert_eq!(claim.security_token, None);
    assert_eq!(verify(&req, &claim, SECRET), Ok(()));

    let tampered = Request {
        body: b"{\"Limit\":1}",
        ..req
    };
    assert_eq!(
        verify(&tampered, &claim, SECRET),
        Err(Error::InvalidSignature(MISMATCH.to_owned()))
    );
    let other_target: Vec<(&str, &str)> = headers
        .iter()
        .map(|&(n, v)| {
            if n == "X-Amz-Target" {
                (n, "DynamoDB_20120810.DeleteTable")
            } else {
                (n, v)
            }
        })
        .collect();
    let retargeted = Request {
        headers: &other_target,
        ..req
    };
    assert!(verify(&retargeted, &claim, SECRET).is_err());
}

/// `PutItem` with a session token in eu-west-1, as sent by botocore 1.43.
#[test]
fn botocore_dynamodb_put_item_with_session_token() {
    let body = br#"{"TableName": "Music", "Item": {"Artist": {"S": "No One  You Know"}, "n": {"N": "1"}}}"#;
    let headers = [
        ("Host", "localhost:8000"),
        ("X-Amz-Target", "DynamoDB_20120810.PutItem"),
        ("Content-Type", "application/x-amz-json-1.0"),
        ("User-Agent", "Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v595 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython m/Z,b,N,P,D,e cfg/retry-mode#legacy"),
        ("X-Amz-Date", "20150830T123600Z"),
        ("X-Amz-Security-Token", "FQoGZXIvYXdzEXAMPLETOKEN//////////wEaDA=="),
        ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=3992bcf4eeb8c631691893ea873d0a2825a9f81c873fe3195c739e3d934f7ec5"),
        ("amz-sdk-invocation-id", "d56bc461-8d9c-48d0-9982-a9b12bc13f46"),
        ("amz-sdk-request", "attempt=1"),
        ("Content-Length", "86"),
    ];
    let req = Request {
        method: "POST",
        path: "/",
        query: None,
        headers: &headers,
        body,
    };
    let claim = parse(&req, at(12, 36, 0)).expect("parse");
    assert_eq!(claim.region, "eu-west-1");
    assert_eq!(
        claim.security_token.as_deref(),
        Some("FQoGZXIvYXdzEXAMPLETOKEN//////////wEaDA==")
    );
    assert!(!format!("{claim:?}").contains("EXAMPLETOKEN"));
    assert_eq!(verify(&req, &claim, SECRET), Ok(()));
    assert_eq!(
        check_region(&claim, "us-east-1"),
        Err(Error::InvalidSignature(
            "Credential should be scoped to a valid region, not 'eu-west-1'. ".to_owned()
        ))
    );
}

const PRESIGNED_QUERY: &str = "Param2=value2&Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5";

/// get-vanilla-query-order-key-case, presigned: the aws-c-auth suite's
/// query-signed-request, reproduced by botocore's SigV4QueryAuth.
#[test]
fn presigned_suite_vector() {
    let headers = [("Host", HOST)];
    let req = Request {
        method: "GET",
        path: "/",
        query: Some(PRESIGNED_QUERY),
        headers: &headers,
        body: b"",
    };
    for now in [at(12, 36, 0), at(13, 0, 0), at(13, 36, 0), at(12, 25, 0)] {
        let claim = parse(&req, now).expect("parse");
        assert!(claim.presigned);
        assert_eq!(claim.expires, Some(3600));
        assert_eq!(claim.signed_headers, vec!["host".to_owned()]);
        assert_eq!(verify(&req, &claim, SECRET), Ok(()));
    }
    assert_eq!(
        parse(&req, at(13, 36, 1)),
        Err(Error::InvalidSignature(
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T133601Z - 60 min.)"
                .to_owned()
        ))
    );

    // Same request with the parameters in the order aws-c-auth sends them.
    let reordered = "Param2=value2&Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5";
    let req2 = Request {
        query: Some(reordered),
        ..req
    };
    let claim = parse(&req2, at(12, 36, 0)).expect("parse");
    assert_eq!(verify(&req2, &claim, SECRET), Ok(()));

    // Tampered operation parameter.
    let tampered_query = PRESIGNED_QUERY.replace("Param1=value1", "Param1=value9");
    let tampered = Request {
        query: Some(&tampered_query),
        ..req
    };
    let claim = parse(&tampered, at(12, 36, 0)).expect("parse");
    assert_eq!(
        verify(&tampered, &claim, SECRET),
        Err(Error::InvalidSignature(MISMATCH.to_owned()))
    );
    // Tampered expiry.
    let longer = PRESIGNED_QUERY.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200");
    let longer_req = Request {
        query: Some(&longer),
        ..req
    };
    let claim = parse(&longer_req, at(12, 36, 0)).expect("parse");
    assert!(verify(&longer_req, &claim, SECRET).is_err());
}

/// botocore SigV4QueryAuth for dynamodb with a session token.
#[test]
fn presigned_botocore_with_session_token() {
    let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=AQoDYXdzEPT%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI%2FqkPpKPi%2FkMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d%2Bxo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz%2BscqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR%2FoLxBA%3D%3D&X-Amz-Signature=747ebc442ddcc8799c0847f56bf794f7cf4e8c736c8c404fb582b0e65d9ddd79";
    let headers = [("Host", "dynamodb.us-east-1.amazonaws.com")];
    let req = Request {
        method: "GET",
        path: "/",
        query: Some(query),
        headers: &headers,
        body: b"",
    };
    let claim = parse(&req, at(12, 50, 0)).expect("parse");
    assert_eq!(claim.expires, Some(900));
    let token = claim.security_token.as_deref().expect("token");
    assert!(token.starts_with("AQoDYXdzEPT//////////wEXAMPLE"));
    assert!(token.ends_with("CCR/oLxBA=="));
    assert_eq!(verify(&req, &claim, SECRET), Ok(()));
    assert!(parse(&req, at(12, 51, 1)).is_err());
}

fn dynamodb_params(amz_date: &str) -> SigningParams<'_> {
    SigningParams {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: SECRET,
        region: "us-east-1",
        service: "dynamodb",
        amz_date,
    }
}

#[test]
fn presign_round_trip_with_body() {
    let headers = [
        ("Host", "localhost:8000"),
        ("X-Amz-Target", "DynamoDB_20120810.ListTables"),
        ("Content-Type", "application/x-amz-json-1.0"),
    ];
    let unsigned = Request {
        method: "POST",
        path: "/",
        query: None,
        headers: &headers,
        body: b"{}",
    };
    let query = presign_query(
        &unsigned,
        &dynamodb_params(AMZ_DATE),
        &["Host", "X-Amz-Target"],
        300,
        Some("tok/en+="),
    );
    assert!(query.contains("X-Amz-Security-Token=tok%2Fen%2B%3D"));
    let req = Request {
        query: Some(&query),
        ..unsigned
    };
    let claim = parse(&req, at(12, 40, 0)).expect("parse");
    assert_eq!(
        claim.signed_headers,
        vec!["host".to_owned(), "x-amz-target".to_owned()]
    );
    assert_eq!(claim.security_token.as_deref(), Some("tok/en+="));
    assert_eq!(verify(&req, &claim, SECRET), Ok(()));
    let tampered = Request {
        body: b"{ }",
        ..req
    };
    assert_eq!(
        verify(&tampered, &claim, SECRET),
        Err(Error::InvalidSignature(MISMATCH.to_owned()))
    );
    assert_eq!(
        parse(&req, at(12, 41, 1)),
        Err(Error::InvalidSignature(
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124101Z - 5 min.)"
                .to_owned()
        ))
    );
}

fn vanilla_headers(authorization: &str) -> [(&str, &str); 3] {
    [
        ("Host", HOST),
        ("X-Amz-Date", AMZ_DATE),
        ("Authorization", authorization),
    ]
}

fn get<'a>(headers: &'a [(&'a str, &'a str)]) -> Request<'a> {
    Request {
        method: "GET",
        path: "/",
        query: None,
        headers,
        body: b"",
    }
}

#[test]
fn missing_authentication() {
    let headers = [("Host", HOST), ("X-Amz-Date", AMZ_DATE)];
    let err = parse(&get(&headers), at(12, 36, 0)).expect_err("no auth");
    assert_eq!(err, Error::MissingAuthenticationToken);
    assert_eq!(err.to_string(), "Request is missing Authentication Token");
    assert_eq!(err.code(), "MissingAuthenticationTokenException");

    // DynamoDB treats a non-AWS4 Authorization header as no token at all.
    for value in ["Bearer abc", "AWS AKIDEXAMPLE:c2lnbmF0dXJl", ""] {
        let headers = vanilla_headers(value);
        assert_eq!(
            parse(&get(&headers), at(12, 36, 0)),
            Err(Error::MissingAuthenticationToken),
            "{value:?}"
        );
    }
}

#[test]
fn expired_and_future_messages() {
    let auth = suite_authz(HD, VANILLA);
    let headers = vanilla_headers(&auth);
    let err = parse(&get(&headers), at(12, 56, 0)).expect_err("20 minutes old");
    assert_eq!(
        err,
        Error::InvalidSignature(
            "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T125600Z - 15 min.)"
                .to_owned()
        )
    );
    assert_eq!(err.code(), "InvalidSignatureException");
    // Exactly 15 minutes either side is still fine.
    assert!(parse(&get(&headers), at(12, 51, 0)).is_ok());
    assert!(parse(&get(&headers), at(12, 21, 0)).is_ok());

    // A request dated 13:00 arriving at 12:26.
    let future_headers = [("Host", HOST), ("X-Amz-Date", "20150830T130000Z")];
    let signed = sign_request(
        &get(&future_headers),
        &SigningParams {
            service: "service",
            ..dynamodb_params("20150830T130000Z")
        },
        &["host", "x-amz-date"],
    );
    let headers = [
        ("Host", HOST),
        ("X-Amz-Date", "20150830T130000Z"),
        ("Authorization", signed.as_str()),
    ];
    assert_eq!(
        parse(&get(&headers), at(12, 26, 0)),
        Err(Error::InvalidSignature(
            "Signature not yet current: 20150830T130000Z is still later than 20150830T124100Z (20150830T122600Z + 15 min.)"
                .to_owned()
        ))
    );
    let claim = parse(&get(&headers), at(12, 50, 0)).expect("within skew");
    assert_eq!(verify(&get(&headers), &claim, SECRET), Ok(()));
}

#[test]
fn incomplete_authorization_header() {
    let auth = "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date";
    let headers = [("Host", HOST), ("Authorization", auth)];
    let err = parse(&get(&headers), at(12, 36, 0)).expect_err("incomplete");
    assert_eq!(
        err,
        Error::IncompleteSignature(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date"
                .to_owned()
        )
    );
    assert_eq!(err.code(), "IncompleteSignatureException");

    let headers = vanilla_headers("AWS4-HMAC-SHA256");
    assert_eq!(
        parse(&get(&headers), at(12, 36, 0)),
        Err(Error::IncompleteSignature(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"
                .to_owned()
        ))
    );

    let auth = "AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders";
    let headers = vanilla_headers(auth);
    assert_eq!(
        parse(&get(&headers), at(12, 36, 0)),
        Err(Error::IncompleteSignature(
            "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders'."
                .to_owned()
        ))
    );

    // Empty SignedHeaders passes the completeness check and fails on Host.
    let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=, Signature=abc";
    let headers = vanilla_headers(auth);
    assert_eq!(
        parse(&get(&headers), at(12, 36, 0)),
        Err(Error::InvalidSignature(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.".to_owned()
        ))
    );
}

#[test]
fn whitespace_variations_are_tolerated() {
    let variants = [
        format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,SignedHeaders={HD},Signature={VANILLA}"),
        format!("AWS4-HMAC-SHA256   Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request ,  SignedHeaders={HD} ,Signature={VANILLA}  "),
        format!("  AWS4-HMAC-SHA256 Signature={VANILLA} Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request SignedHeaders={HD}"),
        format!("AWS4-HMAC-SHA256\tCredential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,\tSignedHeaders={HD},\tSignature={VANILLA}"),
        // Trailing slashes on the credential are ignored, as by AWS.
        format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request//, SignedHeaders={HD}, Signature={VANILLA}"),
    ];
    for auth in &variants {
        let headers = vanilla_headers(auth);
        let claim = parse(&get(&headers), at(12, 36, 0)).unwrap_or_else(|e| panic!("{auth}: {e}"));
        assert_eq!(verify(&get(&headers), &claim, SECRET), Ok(()), "{auth}");
    }
}

#[test]
fn algorithm_credential_and_scope_errors() {
    let headers_for = |auth: &str| -> Result<Claim, Error> {
        let headers = vanilla_headers(auth);
        parse(&get(&headers), at(12, 36, 0))
    };
    assert_eq!(
        headers_for(&format!(
            "AWS4-HMAC-SHA512 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={HD}, Signature={VANILLA}"
        )),
        Err(Error::IncompleteSignature(
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ".to_owned()
        ))
    );
    assert_eq!(
        headers_for(&format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, SignedHeaders={HD}, Signature={VANILLA}"
        )),
        Err(Error::IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/service'"
                .to_owned()
        ))
    );
    assert_eq!(
        headers_for(&format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150831/us-east-1/service/aws5_request, SignedHeaders={HD}, Signature={VANILLA}"
        )),
        Err(Error::InvalidSignature(
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'. "
                .to_owned()
        ))
    );
    assert_eq!(
        headers_for(&format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=x-amz-date, Signature={VANILLA}"
        )),
        Err(Error::InvalidSignature(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.".to_owned()
        ))
    );

    // All scope problems in one message, in AWS's order.
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/b/c/d/e, SignedHeaders={HD}, Signature={VANILLA}"
    );
    let headers = vanilla_headers(&auth);
    let expected = Expected {
        region: Some("us-east-1"),
        service: Some("dynamodb"),
    };
    assert_eq!(
        parse_expecting(&get(&headers), at(12, 36, 0), expected),
        Err(Error::InvalidSignature(
            "Credential should be scoped to a valid region, not 'c'. Credential should be scoped to correct service: 'dynamodb'. Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20150830', from '20150830T123600Z'. "
                .to_owned()
        ))
    );

    let auth = suite_authz(HD, VANILLA);
    let headers = vanilla_headers(&auth);
    let claim = parse(&get(&headers), at(12, 36, 0)).expect("parse");
    assert_eq!(
        check_scope(&claim, "dynamodb"),
        Err(Error::InvalidSignature(
            "Credential should be scoped to correct service: 'dynamodb'. ".to_owned()
        ))
    );
    assert_eq!(check_scope(&claim, "service"), Ok(()));
    assert!(parse_expecting(
        &get(&headers),
        at(12, 36, 0),
        Expected {
            region: Some("us-east-1"),
            service: Some("service")
        }
    )
    .is_ok());
}

#[test]
fn date_handling() {
    // Bad x-amz-date format.
    let auth = suite_authz(HD, VANILLA);
    let headers = [
        ("Host", HOST),
        ("X-Amz-Date", "201"),
        ("Authorization", auth.as_str()),
    ];
    assert_eq!(
        parse(&get(&headers), at(12, 36, 0)),
        Err(Error::IncompleteSignature(
            "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601".to_owned()
        ))
    );

    // Only a Date header (RFC 1123): accepted and converted.
    let date_headers = [("Host", HOST), ("Date", "Sun, 30 Aug 2015 12:36:00 GMT")];
    let params = SigningParams {
        service: "service",
        ..dynamodb_params(AMZ_DATE)
    };
    let auth = sign_request(&get(&date_headers), &params, &["host", "date"]);
    let headers = [
        ("Host", HOST),
        ("Date", "Sun, 30 Aug 2015 12:36:00 GMT"),
        ("Authorization", auth.as_str()),
    ];
    let claim = parse(&get(&headers), at(12, 40, 0)).expect("parse");
    assert_eq!(claim.amz_date, AMZ_DATE);
    assert_eq!(
        claim.signed_headers,
        vec!["date".to_owned(), "host".to_owned()]
    );
    assert_eq!(verify(&get(&headers), &claim, SECRET), Ok(()));

    // x-amz-date wins over Date.
    let headers = [
        ("Host", HOST),
        ("Date", "Mon, 31 Aug 2015 00:00:00 GMT"),
        ("X-Amz-Date", AMZ_DATE),
        ("Authorization", auth.as_str()),
    ];
    assert_eq!(
        parse(&get(&headers), at(12, 36, 0)).map(|c| c.amz_date),
        Ok(AMZ_DATE.to_owned())
    );
}

#[test]
fn both_forms_at_once() {
    let auth = suite_authz(HD, VANILLA);
    let headers = vanilla_headers(&auth);
    let req = Request {
        query: Some(PRESIGNED_QUERY),
        ..get(&headers)
    };
    assert_eq!(
        parse(&req, at(12, 36, 0)),
        Err(Error::InvalidSignature(
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.".to_owned()
        ))
    );
}

#[test]
fn presigned_parameter_errors() {
    let headers = [("Host", HOST)];
    let with = |query: &str| -> Result<Claim, Error> {
        let req = Request {
            query: Some(query),
            ..get(&headers)
        };
        parse(&req, at(12, 36, 0))
    };
    assert_eq!(
        with("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-SignedHeaders=host"),
        Err(Error::IncompleteSignature(
            "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."
                .to_owned()
        ))
    );
    assert_eq!(
        with("X-Amz-Algorithm="),
        Err(Error::IncompleteSignature(
            "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."
                .to_owned()
        ))
    );
    for (expires, message) in [
        (
            "604801",
            "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds",
        ),
        ("-1", "X-Amz-Expires must be non-negative"),
        ("soon", "X-Amz-Expires should be a number"),
    ] {
        let query = PRESIGNED_QUERY.replace("X-Amz-Expires=3600", &format!("X-Amz-Expires={expires}"));
        assert_eq!(with(&query), Err(Error::IncompleteSignature(message.to_owned())), "{expires}");
    }
    let week = PRESIGNED_QUERY.replace("X-Amz-Expires=3600", "X-Amz-Expires=604800");
    assert_eq!(with(&week).map(|c| c.expires), Ok(Some(604_800)));

    // Without X-Amz-Expires the 15-minute window applies.
    let no_expiry = PRESIGNED_QUERY.replace("&X-Amz-Expires=3600", "");
    let req = Request {
        query: Some(&no_expiry),
        ..get(&headers)
    };
    assert_eq!(parse(&req, at(12, 51, 0)).map(|c| c.expires), Ok(None));
    assert!(parse(&req, at(12, 51, 1)).is_err());

    let wrong_algorithm = PRESIGNED_QUERY.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256");
    assert_eq!(
        with(&wrong_algorithm),
        Err(Error::IncompleteSignature(
            "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256' (only AWS4-HMAC-SHA256 for now). ".to_owned()
        ))
    );
}

#[test]
fn content_sha256_header() {
    let headers = [
        ("Host", HOST),
        ("X-Amz-Date", AMZ_DATE),
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"),
    ];
    let unsigned = Request {
        method: "POST",
        path: "/",
        query: None,
        headers: &headers,
        body: b"{}",
    };
    let params = dynamodb_params(AMZ_DATE);
    let signed_names = ["content-type", "host", "x-amz-content-sha256", "x-amz-date"];
    let auth = sign_request(&unsigned, &params, &signed_names);
    let mut with_auth = headers.to_vec();
    with_auth.push(("Authorization", auth.as_str()));
    let req = Request {
        headers: &with_auth,
        ..unsigned
    };
    let claim = parse(&req, at(12, 36, 0)).expect("parse");
    assert_eq!(verify(&req, &claim, SECRET), Ok(()));
    // UNSIGNED-PAYLOAD: the body is not covered.
    assert_eq!(
        verify(&Request { body: b"[]", ..req }, &claim, SECRET),
        Ok(())
    );

    // A concrete hash must match the body.
    let body_hash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    let headers = [
        ("Host", HOST),
        ("X-Amz-Date", AMZ_DATE),
        ("X-Amz-Content-Sha256", body_hash),
    ];
    let unsigned = Request {
        headers: &headers,
        ..unsigned
    };
    let auth = sign_request(
        &unsigned,
        &params,
        &["host", "x-amz-content-sha256", "x-amz-date"],
    );
    let mut with_auth = headers.to_vec();
    with_auth.push(("Authorization", auth.as_str()));
    let req = Request {
        headers: &with_auth,
        ..unsigned
    };
    let claim = parse(&req, at(12, 36, 0)).expect("parse");
    assert_eq!(verify(&req, &claim, SECRET), Ok(()));
    assert_eq!(
        verify(&Request { body: b"[]", ..req }, &claim, SECRET),
        Err(Error::InvalidSignature(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
                .to_owned()
        ))
    );
}

#[test]
fn signature_comparison_is_exact() {
    let upper = VANILLA.to_uppercase();
    for bad in ["", "5fa00fa3", upper.as_str()] {
        let auth = suite_authz(HD, bad);
        let headers = vanilla_headers(&auth);
        let result = parse(&get(&headers), at(12, 36, 0))
            .and_then(|claim| verify(&get(&headers), &claim, SECRET));
        assert!(result.is_err(), "{bad:?}");
    }
}

/// A client that signs the host without the port it sends (aiodynamo does)
/// is verified; any other host still is not.
#[test]
fn a_host_signed_without_its_port_verifies() {
    let amz_date = "20150830T123600Z";
    let body = b"{}";
    let signed_as = [("Host", "127.0.0.1"), ("X-Amz-Date", amz_date)];
    let params = dynamodb_params(amz_date);
    let unsent = Request { method: "POST", path: "/", query: None, headers: &signed_as, body };
    let auth = sign_request(&unsent, &params, &["host", "x-amz-date"]);
    let check = |host: &str| {
        let headers = [("Host", host), ("X-Amz-Date", amz_date), ("Authorization", auth.as_str())];
        let req = Request { headers: &headers, ..unsent };
        let claim = parse(&req, at(12, 40, 0)).expect("parse");
        verify(&req, &claim, SECRET)
    };
    assert_eq!(check("127.0.0.1"), Ok(()));
    assert_eq!(check("127.0.0.1:8000"), Ok(()));
    assert_eq!(check("127.0.0.2:8000"), Err(Error::InvalidSignature(MISMATCH.to_owned())));
    assert_eq!(check("127.0.0.1:80x"), Err(Error::InvalidSignature(MISMATCH.to_owned())));

    let signed_as = [("Host", "[::1]"), ("X-Amz-Date", amz_date)];
    let unsent = Request { headers: &signed_as, ..unsent };
    let auth = sign_request(&unsent, &params, &["host", "x-amz-date"]);
    let headers = [("Host", "[::1]:8000"), ("X-Amz-Date", amz_date), ("Authorization", auth.as_str())];
    let req = Request { headers: &headers, ..unsent };
    let claim = parse(&req, at(12, 40, 0)).expect("parse");
    assert_eq!(verify(&req, &claim, SECRET), Ok(()));
}
