//! DynamoDB resource ARNs:
//! `arn:{partition}:dynamodb:{region}:{account}:table/{name}[/index/{index}|/stream/{label}|/backup/{id}]`,
//! and the partition a region belongs to.

use std::fmt;

/// The partition of `region`, as ARNs name it: `aws-cn` for the China
/// regions, `aws-us-gov` for GovCloud, the isolated partitions by their
/// prefixes, `aws` for every other region (including names AWS does not
/// use, as a self-hosted endpoint may).
pub fn partition(region: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 7] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-iso-", "aws-iso"),
        ("eusc-", "aws-eusc"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// What under a table an ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubResource {
    /// The table itself.
    None,
    /// A secondary index.
    Index(String),
    /// A stream, by its label.
    Stream(String),
    /// A backup, by its id.
    Backup(String),
}

/// The ARN of a table or something under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableArn {
    pub region: String,
    pub account_id: String,
    pub table: String,
    pub sub: SubResource,
}

/// An ARN that is not a DynamoDB table ARN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid DynamoDB resource ARN: {0}")]
pub struct ArnError(pub String);

impl TableArn {
    /// The ARN of table `table`.
    pub fn table(region: &str, account_id: &str, table: &str) -> TableArn {
        TableArn {
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            table: table.to_owned(),
            sub: SubResource::None,
        }
    }

    /// Parses a DynamoDB table ARN.
    pub fn parse(s: &str) -> Result<TableArn, ArnError> {
        let err = || ArnError(s.to_owned());
        let mut parts = s.splitn(6, ':');
        let (Some("arn"), Some(_partition), Some("dynamodb"), Some(region), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(err());
        };
        let rest = resource.strip_prefix("table/").ok_or_else(err)?;
        let mut segs = rest.splitn(3, '/');
        let table = segs.next().filter(|t| !t.is_empty()).ok_or_else(err)?;
        let sub = match (segs.next(), segs.next()) {
            (None, None) => SubResource::None,
            (Some("index"), Some(x)) if !x.is_empty() => SubResource::Index(x.to_owned()),
            (Some("stream"), Some(x)) if !x.is_empty() => SubResource::Stream(x.to_owned()),
            (Some("backup"), Some(x)) if !x.is_empty() => SubResource::Backup(x.to_owned()),
            _ => return Err(err()),
        };
        Ok(TableArn {
            region: region.to_owned(),
            account_id: account.to_owned(),
            table: table.to_owned(),
            sub,
        })
    }
}

impl fmt::Display for TableArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:dynamodb:{}:{}:table/{}",
            partition(&self.region),
            self.region,
            self.account_id,
            self.table
        )?;
        match &self.sub {
            SubResource::None => Ok(()),
            SubResource::Index(i) => write!(f, "/index/{i}"),
            SubResource::Stream(l) => write!(f, "/stream/{l}"),
            SubResource::Backup(b) => write!(f, "/backup/{b}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music",
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music/index/ByArtist",
            "arn:aws:dynamodb:eu-west-1:123456789012:table/Music/stream/2015-05-11T21:21:33.291",
            "arn:aws:dynamodb:us-east-1:123456789012:table/Music/backup/01489602797149-73d8d5bc",
            "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/Music",
            "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/Music/index/ByArtist",
        ] {
            assert_eq!(TableArn::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn rejects_others() {
        for s in [
            "arn:aws:s3:::bucket",
            "arn:aws:dynamodb:us-east-1:123456789012:table/",
            "arn:aws:dynamodb:us-east-1:123456789012:table/T/index/",
            "arn:aws:dynamodb:us-east-1:123456789012:global-table/T",
            "nonsense",
        ] {
            assert!(TableArn::parse(s).is_err(), "{s}");
        }
        assert_eq!(
            TableArn::table("us-east-1", "123456789012", "T").to_string(),
            "arn:aws:dynamodb:us-east-1:123456789012:table/T"
        );
    }

    #[test]
    fn partitions_follow_the_region() {
        for (region, partition) in [
            ("us-east-1", "aws"),
            ("eu-west-3", "aws"),
            ("my-datacenter-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eusc-de-east-1", "aws-eusc"),
        ] {
            assert_eq!(super::partition(region), partition, "{region}");
        }
        assert_eq!(
            TableArn::table("cn-north-1", "123456789012", "T").to_string(),
            "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/T"
        );
    }
}
