//! PartiQL through the SDK: ExecuteStatement's four statements with
//! parameters, RETURNING and DynamoDB's errors (DuplicateItemException,
//! ConditionalCheckFailedException, the ValidationException messages);
//! SELECT as a Query or a Scan (told apart by the capacity they consume),
//! on an index, with projection, ORDER BY and Limit/NextToken paging;
//! BatchExecuteStatement with per-statement errors; ExecuteTransaction
//! committing and cancelling; IAM's PartiQL actions.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::execute_transaction::ExecuteTransactionError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BatchStatementRequest, BillingMode, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, ParameterizedStatement, Projection, ProjectionType, ReturnConsumedCapacity,
    ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use reqwest::Method;
use serde_json::json;

use crate::harness::Stack;

fn s(v: &str) -> Av {
    Av::S(v.into())
}
fn n(v: &str) -> Av {
    Av::N(v.into())
}

/// `Music` (Artist, SongTitle) with GSI `ByGenre` (Genre, Year; ALL).
async fn music(c: &Client) {
    let def = |name: &str, t: ScalarAttributeType| {
        AttributeDefinition::builder().attribute_name(name).attribute_type(t).build().unwrap()
    };
    let ks = |name: &str, t: KeyType| KeySchemaElement::builder().attribute_name(name).key_type(t).build().unwrap();
    c.create_table()
        .table_name("Music")
        .attribute_definitions(def("Artist", ScalarAttributeType::S))
        .attribute_definitions(def("SongTitle", ScalarAttributeType::S))
        .attribute_definitions(def("Genre", ScalarAttributeType::S))
        .attribute_definitions(def("Year", ScalarAttributeType::N))
        .key_schema(ks("Artist", KeyType::Hash))
        .key_schema(ks("SongTitle", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("ByGenre")
                .key_schema(ks("Genre", KeyType::Hash))
                .key_schema(ks("Year", KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

async fn exec(c: &Client, statement: &str, params: Vec<Av>) -> Result<Vec<HashMap<String, Av>>, (String, String)> {
    let req = c.execute_statement().statement(statement);
    let req = if params.is_empty() { req } else { req.set_parameters(Some(params)) };
    req.send()
        .await
        .map(|o| o.items().to_vec())
        .map_err(|e| (e.code().unwrap_or_default().to_owned(), e.message().unwrap_or_default().to_owned()))
}

async fn get(c: &Client, artist: &str, song: &str) -> Option<HashMap<String, Av>> {
    c.get_item()
        .table_name("Music")
        .key("Artist", s(artist))
        .key("SongTitle", s(song))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item()
        .cloned()
}

#[tokio::test]
async fn statements_write_and_read_items() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;

    let out = exec(
        &c,
        r#"INSERT INTO "Music" VALUE {'Artist': ?, 'SongTitle': 'Happy Day', 'Plays': 1, 'Info': {'Label': 'Acme', 'Tags': <<'a', 'b'>>}}"#,
        vec![s("Acme Band")],
    )
    .await
    .unwrap();
    assert!(out.is_empty(), "a write answers no items");
    let stored = get(&c, "Acme Band", "Happy Day").await.unwrap();
    assert_eq!(stored["Plays"], n("1"));

    // INSERT does not overwrite.
    let dup = exec(&c, "INSERT INTO Music VALUE {'Artist': 'Acme Band', 'SongTitle': 'Happy Day'}", vec![]).await;
    assert_eq!(
        dup.unwrap_err(),
        ("DuplicateItemException".to_owned(), "Duplicate primary key exists in table".to_owned())
    );

    // SELECT by key, with parameters, and a nested path answered under its last name.
    let items = exec(&c, "select * from Music where Artist = ? and SongTitle = ?", vec![s("Acme Band"), s("Happy Day")])
        .await
        .unwrap();
    assert_eq!(items, vec![stored.clone()]);
    let items = exec(&c, r#"SELECT Plays, Info.Label FROM "Music" WHERE Artist = 'Acme Band'"#, vec![]).await.unwrap();
    assert_eq!(items, vec![HashMap::from([("Plays".to_owned(), n("1")), ("Label".to_owned(), s("Acme"))])]);
    // List elements are answered under their path's last name with its
    // indexes (pydynamodb's tests, run against DynamoDB Local).
    exec(&c, "INSERT INTO Music VALUE {'Artist': 'Lists', 'SongTitle': 'L', 'Hits': [10, 20, 30], 'Info': {'Ranks': [1, 2]}}", vec![])
        .await
        .unwrap();
    let items = exec(&c, "SELECT Hits[2], Hits[0], Info.Ranks[1] FROM Music WHERE Artist = 'Lists'", vec![]).await.unwrap();
    assert_eq!(
        items,
        vec![HashMap::from([
            ("Hits[2]".to_owned(), n("30")),
            ("Hits[0]".to_owned(), n("10")),
            ("Ranks[1]".to_owned(), n("2")),
        ])]
    );

    // UPDATE with arithmetic, set functions and RETURNING.
    let items = exec(
        &c,
        "UPDATE Music SET Plays = Plays + 2 SET Info.Tags = set_add(Info.Tags, <<'c'>>) REMOVE Info.Label WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day' RETURNING MODIFIED NEW *",
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["Plays"], n("3"));
    let updated = get(&c, "Acme Band", "Happy Day").await.unwrap();
    let info = updated["Info"].as_m().unwrap();
    assert!(!info.contains_key("Label"));
    assert_eq!(info["Tags"].as_ss().unwrap().len(), 3);

    // A false condition and a missing item fail the condition; a DELETE of
    // a missing item with a condition is a no-op.
    let failed = exec(&c, "UPDATE Music SET Plays = 0 WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day' AND Plays > 10", vec![]).await;
    assert_eq!(failed.unwrap_err().0, "ConditionalCheckFailedException");
    let failed = exec(&c, "UPDATE Music SET Plays = 0 WHERE Artist = 'Nobody' AND SongTitle = 'None'", vec![]).await;
    assert_eq!(
        failed.unwrap_err(),
        ("ConditionalCheckFailedException".to_owned(), "The conditional request failed".to_owned())
    );
    assert!(get(&c, "Nobody", "None").await.is_none(), "UPDATE is not an upsert");
    // The FROM-first form of UPDATE: the WHERE before the clauses.
    let new = exec(
        &c,
        "FROM Music WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day' SET Plays = ? REMOVE Nope RETURNING MODIFIED NEW *",
        vec![n("7")],
    )
    .await
    .unwrap();
    assert_eq!(new[0]["Plays"], n("7"));
    let failed = exec(&c, "FROM Music WHERE Artist = 'Nobody' AND SongTitle = 'None' SET Plays = 0", vec![]).await;
    assert_eq!(failed.unwrap_err().0, "ConditionalCheckFailedException");
    exec(&c, "UPDATE Music SET Plays = 3 WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day'", vec![]).await.unwrap();
    exec(&c, "DELETE FROM Music WHERE Artist = 'Nobody' AND SongTitle = 'None' AND Plays = 1", vec![]).await.unwrap();
    let failed = exec(&c, "DELETE FROM Music WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day' AND Plays = 1", vec![]).await;
    assert_eq!(failed.unwrap_err().0, "ConditionalCheckFailedException");

    let old = exec(&c, "DELETE FROM Music WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day' RETURNING ALL OLD *", vec![])
        .await
        .unwrap();
    assert_eq!(old, vec![updated]);
    assert!(get(&c, "Acme Band", "Happy Day").await.is_none());
    // Deleted, the key can be inserted again.
    exec(&c, "INSERT INTO Music VALUE {'Artist': 'Acme Band', 'SongTitle': 'Happy Day'}", vec![]).await.unwrap();
    st.stop().await;
}

/// A ~3 KB attribute, so that reading many items costs visibly more.
fn filler() -> Av {
    s(&"x".repeat(3000))
}

#[tokio::test]
async fn selects_query_or_scan_and_page() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    for artist in ["A", "B", "C", "D"] {
        for i in 0..5 {
            c.put_item()
                .table_name("Music")
                .item("Artist", s(artist))
                .item("SongTitle", s(&format!("song{i}")))
                .item("Genre", s(if i % 2 == 0 { "rock" } else { "jazz" }))
                .item("Year", n(&(2000 + i).to_string()))
                .item("Filler", filler())
                .send()
                .await
                .unwrap();
        }
    }
    let units = |statement: &'static str| {
        let c = c.clone();
        async move {
            let out = c
                .execute_statement()
                .statement(statement)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .unwrap();
            (out.items().len(), out.consumed_capacity().and_then(|cc| cc.capacity_units()).unwrap())
        }
    };
    // A partition key equality reads one partition (5 items, 15 KB: 2 units
    // eventually consistent); without one the whole table is read (60 KB).
    assert_eq!(units("SELECT * FROM Music WHERE Artist = 'B'").await, (5, 2.0));
    assert_eq!(units("SELECT * FROM Music WHERE Artist = 'B' AND SongTitle >= 'song3'").await, (2, 1.0));
    assert_eq!(units("SELECT * FROM Music WHERE Year = 2001").await, (4, 7.5));
    assert_eq!(units("SELECT * FROM Music WHERE Artist = 'B' OR Artist = 'C'").await, (10, 7.5));

    // An index read, in the index's order, backwards with ORDER BY … DESC.
    let items = exec(&c, r#"SELECT Artist, "Year" FROM "Music"."ByGenre" WHERE Genre = 'jazz' ORDER BY "Year" DESC"#, vec![])
        .await
        .unwrap();
    assert_eq!(items.len(), 8);
    assert_eq!(items[0]["Year"], n("2003"));
    assert_eq!(items[7]["Year"], n("2001"));
    assert_eq!(items[0].len(), 2, "projected: {:?}", items[0].keys());

    // Pages of 3 with NextToken until the end: every item once.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .execute_statement()
            .statement("SELECT SongTitle FROM Music WHERE Artist = ?")
            .parameters(s("C"))
            .limit(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        seen.extend(out.items().iter().map(|i| i["SongTitle"].as_s().unwrap().clone()));
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
        assert!(out.last_evaluated_key().is_some());
    }
    assert_eq!(seen, (0..5).map(|i| format!("song{i}")).collect::<Vec<_>>());
    assert_eq!(pages, 2);

    // A token only continues the request it came from.
    let first = c.execute_statement().statement("SELECT * FROM Music").limit(1).send().await.unwrap();
    let err = c
        .execute_statement()
        .statement("SELECT * FROM Music WHERE Genre = 'rock'")
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("NextToken does not match request"));
    st.stop().await;
}

#[tokio::test]
async fn validation_messages() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    let cases: &[(&str, Vec<Av>, &str, &str)] = &[
        ("SLECT * FROM Music", vec![], "ValidationException", "Statement wasn't well formed, can't be processed: Expected data manipulation"),
        ("SELECT * FROM Music WHERE Artist = ?", vec![], "ValidationException", "Number of parameters in request and statement don't match."),
        ("UPDATE Music SET a = 1 WHERE Artist = 'x'", vec![], "ValidationException", "Where clause does not contain a mandatory equality on all key attributes"),
        ("DELETE FROM Music WHERE Artist = 'x' AND SongTitle = 'y' RETURNING ALL NEW *", vec![], "ValidationException", "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements."),
        ("SELECT * FROM Nowhere WHERE pk = 'p'", vec![], "ResourceNotFoundException", "Requested resource not found"),
        (r#"SELECT * FROM "Music"."NoSuchIndex" WHERE Artist = 'p'"#, vec![], "ValidationException", "The table does not have the specified index"),
        ("SELECT * FROM Music WHERE Plays = 1 ORDER BY Artist", vec![], "ValidationException", "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause."),
        ("SELECT * FROM Music WHERE Artist = 'x' AND Plays < ?", vec![Av::Bool(true)], "ValidationException", "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"),
        ("SELECT * FROM Music WHERE Artist = 'x' AND EXISTS(Plays)", vec![], "ValidationException", "Unrecognized function: exists at 1:44:6"),
    ];
    for (statement, params, code, message) in cases {
        let err = exec(&c, statement, params.clone()).await.unwrap_err();
        assert_eq!((err.0.as_str(), err.1.as_str()), (*code, *message), "{statement}");
    }
    let err = c
        .execute_statement()
        .statement(r#"SELECT * FROM "Music"."ByGenre" WHERE Genre = 'x'"#)
        .consistent_read(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Strongly consistent read is not supported on Global Secondary Indexes"));
    st.stop().await;
}

fn batch_stmt(statement: &str, params: Vec<Av>) -> BatchStatementRequest {
    let b = BatchStatementRequest::builder().statement(statement);
    let b = if params.is_empty() { b } else { b.set_parameters(Some(params)) };
    b.build().unwrap()
}

#[tokio::test]
async fn batches_answer_each_statement() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    exec(&c, "INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 's1', 'Plays': 1}", vec![]).await.unwrap();

    let out = c
        .batch_execute_statement()
        .statements(batch_stmt("INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 's2'}", vec![]))
        .statements(batch_stmt("INSERT INTO Music VALUE {'Artist': ?, 'SongTitle': 's1'}", vec![s("A")]))
        .statements(batch_stmt("UPDATE Music SET Plays = 5 WHERE Artist = 'A' AND SongTitle = 's1' AND Plays = 9", vec![]))
        .statements(batch_stmt("UPDATE Music SET Plays = 2 WHERE Artist = 'A' AND SongTitle = 's1' RETURNING ALL NEW *", vec![]))
        .statements(batch_stmt("DELETE FROM Nowhere WHERE pk = 'x'", vec![]))
        .statements(batch_stmt("DELET FROM Music", vec![]))
        .send()
        .await
        .unwrap();
    let r = out.responses();
    assert_eq!(r.len(), 6);
    assert_eq!(r[0].table_name(), Some("Music"));
    assert!(r[0].error().is_none());
    let code = |i: usize| r[i].error().and_then(|e| e.code()).map(|c| c.as_str().to_owned());
    assert_eq!(code(1).as_deref(), Some("DuplicateItem"));
    assert_eq!(r[1].error().unwrap().message(), Some("Duplicate primary key exists in table"));
    assert_eq!(r[1].table_name(), Some("Music"));
    assert_eq!(code(2).as_deref(), Some("ConditionalCheckFailed"));
    assert!(r[3].error().is_none());
    assert_eq!(r[3].item().unwrap()["Plays"], n("2"));
    assert_eq!(code(4).as_deref(), Some("ResourceNotFound"));
    assert_eq!(r[4].table_name(), None);
    assert_eq!(code(5).as_deref(), Some("ValidationError"));
    assert!(get(&c, "A", "s2").await.is_some(), "the first statement ran");

    let out = c
        .batch_execute_statement()
        .statements(batch_stmt("SELECT Plays FROM Music WHERE Artist = 'A' AND SongTitle = 's1'", vec![]))
        .statements(batch_stmt("SELECT * FROM Music WHERE Artist = 'A' AND SongTitle = 'none'", vec![]))
        .statements(batch_stmt("SELECT * FROM Music WHERE Artist = 'A'", vec![]))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    let r = out.responses();
    assert_eq!(r[0].item(), Some(&HashMap::from([("Plays".to_owned(), n("2"))])));
    assert_eq!(r[1].table_name(), Some("Music"));
    assert!(r[1].item().is_none() && r[1].error().is_none());
    assert_eq!(
        r[2].error().unwrap().message(),
        Some("Select statements within BatchExecuteStatement must specify the primary key in the where clause.")
    );
    assert_eq!(out.consumed_capacity()[0].capacity_units(), Some(1.0));

    let err = c.batch_execute_statement().set_statements(Some(vec![])).send().await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));

    // A member whose condition fails is charged the write it attempted, on
    // the table's total only (measured against DynamoDB by dynoxide).
    let out = c
        .batch_execute_statement()
        .statements(batch_stmt("UPDATE Music SET Plays = 7 WHERE Artist = 'A' AND SongTitle = 's1' AND Plays = 99", vec![]))
        .statements(batch_stmt("UPDATE Music SET Plays = 3 WHERE Artist = 'A' AND SongTitle = 's1'", vec![]))
        .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
        .send()
        .await
        .unwrap();
    let used = &out.consumed_capacity()[0];
    assert_eq!((used.table_name(), used.capacity_units()), (Some("Music"), Some(2.0)));
    assert_eq!(used.table().and_then(|t| t.capacity_units()), Some(1.0));

    // Reads and writes do not mix (DynamoDB Local's wording).
    let err = c
        .batch_execute_statement()
        .statements(batch_stmt("SELECT * FROM Music WHERE Artist = 'A' AND SongTitle = 's1'", vec![]))
        .statements(batch_stmt("DELETE FROM Music WHERE Artist = 'A' AND SongTitle = 's1'", vec![]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some("Read and write requests together in the same batch is not supported."));
    st.stop().await;
}

fn tx(statement: &str) -> ParameterizedStatement {
    ParameterizedStatement::builder().statement(statement).build().unwrap()
}

#[tokio::test]
async fn transactions_commit_or_cancel_as_a_whole() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    exec(&c, "INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 's1', 'Plays': 0}", vec![]).await.unwrap();
    exec(&c, "INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 's0', 'Plays': 0}", vec![]).await.unwrap();

    let out = c
        .execute_transaction()
        .transact_statements(tx("INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 's2'}"))
        .transact_statements(tx("UPDATE Music SET Plays = Plays + 1 WHERE Artist = 'A' AND SongTitle = 's1'"))
        .transact_statements(tx("EXISTS(SELECT * FROM Music WHERE Artist = 'A' AND SongTitle = 's0' AND Plays = 0)"))
        .client_request_token("token-1")
        .send()
        .await
        .unwrap();
    assert!(out.responses().is_empty());
    assert_eq!(get(&c, "A", "s1").await.unwrap()["Plays"], n("1"));
    assert!(get(&c, "A", "s2").await.is_some());

    // A duplicate insert cancels everything.
    let err = c
        .execute_transaction()
        .transact_statements(tx("INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 's3'}"))
        .transact_statements(tx("INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 's2'}"))
        .send()
        .await
        .unwrap_err();
    let ExecuteTransactionError::TransactionCanceledException(tc) = err.into_service_error() else {
        panic!("not a cancellation");
    };
    let codes: Vec<&str> = tc.cancellation_reasons().iter().map(|r| r.code().unwrap_or_default()).collect();
    assert_eq!(codes, ["None", "DuplicateItem"]);
    assert!(get(&c, "A", "s3").await.is_none(), "nothing written");
    // So does a false EXISTS.
    let err = c
        .execute_transaction()
        .transact_statements(tx("INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 's3'}"))
        .transact_statements(tx("EXISTS(SELECT * FROM Music WHERE Artist = 'A' AND SongTitle = 's0' AND Plays > 5)"))
        .send()
        .await
        .unwrap_err();
    let ExecuteTransactionError::TransactionCanceledException(tc) = err.into_service_error() else {
        panic!("not a cancellation");
    };
    let codes: Vec<&str> = tc.cancellation_reasons().iter().map(|r| r.code().unwrap_or_default()).collect();
    assert_eq!(codes, ["None", "ConditionalCheckFailed"]);
    assert!(get(&c, "A", "s3").await.is_none(), "nothing written");
    // Reads and writes do not mix.
    let err = c
        .execute_transaction()
        .transact_statements(tx("SELECT * FROM Music WHERE Artist = 'A' AND SongTitle = 's0'"))
        .transact_statements(tx("INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 's3'}"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some("ExecuteTransaction API does not support both read and write operations in the same request.")
    );

    // Reads name whole keys.
    let out = c
        .execute_transaction()
        .transact_statements(tx("SELECT Plays FROM Music WHERE Artist = 'A' AND SongTitle = 's1'"))
        .transact_statements(tx("SELECT * FROM Music WHERE Artist = 'A' AND SongTitle = 'none'"))
        .send()
        .await
        .unwrap();
    let r = out.responses();
    assert_eq!(r[0].item(), Some(&HashMap::from([("Plays".to_owned(), n("1"))])));
    assert!(r[1].item().is_none());

    for (statement, message) in [
        (
            "UPDATE Music SET x = 1 WHERE Artist = 'A' AND SongTitle = 's1' RETURNING ALL NEW *",
            "Validation failed in TransactStatements[0]: RETURNING clause is not supported in ExecuteTransaction.",
        ),
        (
            r#"SELECT * FROM "Music"."ByGenre" WHERE Genre = 'x'"#,
            "Validation failed in TransactStatements[0]: Reads on indices are not supported within transactions.",
        ),
        (
            "SELECT * FROM Music WHERE Artist = 'A'",
            "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause.",
        ),
    ] {
        let err = c.execute_transaction().transact_statements(tx(statement)).send().await.unwrap_err();
        assert_eq!(err.message(), Some(message));
    }
    st.stop().await;
}

#[tokio::test]
async fn statements_are_authorized_as_partiql_actions() {
    let s = Stack::start().await;
    let root = s.client();
    music(&root).await;
    exec(&root, "INSERT INTO Music VALUE {'Artist': 'A', 'SongTitle': 's1'}", vec![]).await.unwrap();
    let (status, _) = s.admin(Method::POST, "/tenants/t1/users", Some(json!({ "name": "reader" }))).await;
    assert_eq!(status, 201);
    let (_, key) = s.admin(Method::POST, "/tenants/t1/users/reader/access-keys", None).await;
    let c = s.client_with(key["access_key_id"].as_str().unwrap(), key["secret_access_key"].as_str().unwrap());
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:PartiQLSelect", "Resource": "*"}]});
    let (status, _) = s.admin(Method::POST, "/tenants/t1/policies", Some(json!({ "name": "select", "document": doc }))).await;
    assert_eq!(status, 201);
    s.admin(Method::PUT, "/tenants/t1/users/reader/policies/select", None).await;
    let mut out = exec(&c, "SELECT * FROM Music WHERE Artist = 'A'", vec![]).await;
    for _ in 0..60 {
        match &out {
            Err((code, _)) if code == "AccessDeniedException" || code == "UnrecognizedClientException" => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                out = exec(&c, "SELECT * FROM Music WHERE Artist = 'A'", vec![]).await;
            }
            _ => break,
        }
    }
    assert_eq!(out.unwrap().len(), 1);
    let denied = exec(&c, "INSERT INTO Music VALUE {'Artist': 'B', 'SongTitle': 's'}", vec![]).await.unwrap_err();
    assert_eq!(denied.0, "AccessDeniedException");
    assert!(denied.1.contains("dynamodb:PartiQLInsert"), "{}", denied.1);
    // An unreadable statement is a ValidationException, not a denial.
    let bad = exec(&c, "INSERT INTO", vec![]).await.unwrap_err();
    assert_eq!(bad.0, "ValidationException");
    s.stop().await;
}

/// The operand types of a statement's conditions are checked before its
/// table is looked up; a well-formed statement on a missing table is a
/// missing table.
#[tokio::test]
async fn operand_types_are_checked_before_the_table() {
    let st = Stack::start().await;
    let c = st.client();
    let e = c
        .execute_statement()
        .statement(r#"SELECT pk FROM "Missing" WHERE pk = ? AND val < ?"#)
        .parameters(aws_sdk_dynamodb::types::AttributeValue::S("x".into()))
        .parameters(aws_sdk_dynamodb::types::AttributeValue::Bool(true))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    assert_eq!(e.message(), Some("Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"));
    let e = c
        .execute_statement()
        .statement(r#"SELECT pk FROM "Missing" WHERE pk = ?"#)
        .parameters(aws_sdk_dynamodb::types::AttributeValue::S("x".into()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
    st.stop().await;
}

/// A parameter holding a map with an empty key, at any depth, is refused
/// bare before the statement is parsed or its table looked up: the whole
/// ExecuteStatement and ExecuteTransaction, only its statement in a batch
/// (nubo-db's dynoxide 3.0.0, captures of 2026-10-09). Nothing is written.
#[tokio::test]
async fn parameters_naming_the_empty_attribute_are_refused() {
    let st = Stack::start().await;
    let c = st.client();
    music(&c).await;
    let empty = || Av::L(vec![Av::M(HashMap::from([("ok".to_owned(), Av::M(HashMap::from([(String::new(), s("x"))])))]))]);
    let refused = ("ValidationException".to_owned(), "Empty attribute name".to_owned());
    let insert = "INSERT INTO Music VALUE {'Artist': 'E', 'SongTitle': 's', 'Doc': ?}";
    assert_eq!(exec(&c, insert, vec![empty()]).await.unwrap_err(), refused);
    // Before the statement's table is looked up, and before a later
    // parameter's own problem.
    let nowhere = "INSERT INTO Nowhere VALUE {'k': ?, 'v': ?}";
    assert_eq!(exec(&c, nowhere, vec![empty(), Av::N("x".into())]).await.unwrap_err(), refused);

    let e = c
        .execute_transaction()
        .transact_statements(tx("INSERT INTO Music VALUE {'Artist': 'E', 'SongTitle': 't'}"))
        .transact_statements(
            ParameterizedStatement::builder()
                .statement("DELETE FROM Nowhere WHERE k = ?")
                .parameters(empty())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.message()), (Some("ValidationException"), Some("Empty attribute name")));

    let out = c
        .batch_execute_statement()
        .statements(batch_stmt("INSERT INTO Music VALUE {'Artist': 'E', 'SongTitle': 'u'}", vec![]))
        .statements(batch_stmt(insert, vec![empty()]))
        .send()
        .await
        .unwrap();
    let r = out.responses();
    assert!(r[0].error().is_none());
    let err = r[1].error().unwrap();
    assert_eq!((err.code().map(|c| c.as_str()), err.message()), (Some("ValidationError"), Some("Empty attribute name")));
    assert!(get(&c, "E", "s").await.is_none() && get(&c, "E", "t").await.is_none());
    assert!(get(&c, "E", "u").await.is_some(), "the batch's other statement ran");
    st.stop().await;
}
