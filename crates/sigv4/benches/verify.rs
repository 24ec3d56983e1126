//! The request path's signature check: parse the Authorization header and
//! verify a botocore-signed DynamoDB request (1 KB body) with a cached key.
//! `cargo bench -p sigv4`.

use chrono::TimeZone;
use criterion::{criterion_group, criterion_main, Criterion};
use sigv4::{parse, sign_request, signing_key, verify_with_key, Request, SigningKey, SigningParams};

fn verify_put_item(c: &mut Criterion) {
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).single().expect("valid time");
    let amz_date = "20261128T120000Z";
    let body = format!(r#"{{"TableName":"bench","Item":{{"pk":{{"S":"k1"}},"data":{{"S":"{}"}}}}}}"#, "x".repeat(1000));
    let mut headers: Vec<(String, String)> = vec![
        ("Host".into(), "127.0.0.1:8000".into()),
        ("X-Amz-Target".into(), "DynamoDB_20120810.PutItem".into()),
        ("Content-Type".into(), "application/x-amz-json-1.0".into()),
        ("User-Agent".into(), "Botocore/1.43.11 ua/2.1 os/linux md/arch#x86_64 lang/python#3.11.7".into()),
        ("X-Amz-Date".into(), amz_date.into()),
        ("Content-Length".into(), body.len().to_string()),
    ];
    let secret = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    let params = SigningParams {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: secret,
        region: "us-east-1",
        service: "dynamodb",
        amz_date,
    };
    let borrowed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let unsigned = Request { method: "POST", path: "/", query: None, headers: &borrowed, body: body.as_bytes() };
    let authorization = sign_request(&unsigned, &params, &["content-type", "host", "x-amz-date", "x-amz-target"]);
    headers.push(("Authorization".into(), authorization));
    let borrowed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let req = Request { method: "POST", path: "/", query: None, headers: &borrowed, body: body.as_bytes() };
    let key = SigningKey::new(&signing_key(secret, "20261128", "us-east-1", "dynamodb"));
    let claim = parse(&req, now).expect("parses");
    verify_with_key(&req, &claim, &key).expect("verifies");
    c.bench_function("sigv4 parse PutItem 1 KB", |b| b.iter(|| parse(&req, now).expect("parses")));
    c.bench_function("sigv4 parse + verify PutItem 1 KB", |b| {
        b.iter(|| {
            let claim = parse(&req, now).expect("parses");
            verify_with_key(&req, &claim, &key)
        });
    });
}

criterion_group!(benches, verify_put_item);
criterion_main!(benches);
