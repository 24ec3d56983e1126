//! The one table from `X-Amz-Target` to [`Operation`].
//!
//! DynamoDB serves two JSON 1.0 services on one endpoint: `DynamoDB_20120810`
//! and `DynamoDBStreams_20120810`. A target is `<prefix>.<OperationName>`;
//! anything else is an unknown operation.

/// Which of the two services a target addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// `DynamoDB_20120810`
    DynamoDb,
    /// `DynamoDBStreams_20120810`
    Streams,
}

impl Service {
    /// The target prefix of this service.
    pub const fn prefix(self) -> &'static str {
        match self {
            Service::DynamoDb => "DynamoDB_20120810",
            Service::Streams => "DynamoDBStreams_20120810",
        }
    }
}

macro_rules! operations {
    ($( $service:ident => [ $( $name:ident ),* $(,)? ] ),* $(,)?) => {
        /// Every operation of DynamoDB and DynamoDB Streams.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            $( $( $name, )* )*
        }

        impl Operation {
            /// All operations, in table order.
            pub const ALL: &'static [Operation] = &[ $( $( Operation::$name, )* )* ];

            /// The operation's wire name, e.g. `ListTables`.
            pub const fn name(self) -> &'static str {
                match self { $( $( Operation::$name => stringify!($name), )* )* }
            }

            /// The service the operation belongs to.
            pub const fn service(self) -> Service {
                match self { $( $( Operation::$name => Service::$service, )* )* }
            }
        }
    };
}

operations! {
    DynamoDb => [
        BatchExecuteStatement, BatchGetItem, BatchWriteItem, CancelBulkOperation, CreateBackup,
        CreateGlobalTable, CreateTable, DeleteBackup, DeleteItem,
        DeleteResourcePolicy, DeleteTable, DescribeBackup, DescribeBulkOperation,
        DescribeContinuousBackups, DescribeContributorInsights,
        DescribeEndpoints, DescribeExport, DescribeGlobalTable,
        DescribeGlobalTableSettings, DescribeImport,
        DescribeKinesisStreamingDestination, DescribeLimits, DescribeTable,
        DescribeTableReplicaAutoScaling, DescribeTimeToLive,
        DisableKinesisStreamingDestination, EnableKinesisStreamingDestination,
        ExecuteStatement, ExecuteTransaction, ExportTableToPointInTime,
        GetItem, GetResourcePolicy, ImportTable, ListBackups, ListBulkOperations,
        ListContributorInsights, ListExports, ListGlobalTables, ListImports,
        ListTables, ListTagsOfResource, PutItem, PutResourcePolicy, Query,
        RestoreTableFromBackup, RestoreTableToPointInTime, Scan, SearchVectors,
        StartBulkPutItems, TagResource,
        TransactGetItems, TransactWriteItems, UntagResource,
        UpdateContinuousBackups, UpdateContributorInsights,
        UpdateGlobalTable, UpdateGlobalTableSettings, UpdateItem,
        UpdateKinesisStreamingDestination, UpdateTable,
        UpdateTableReplicaAutoScaling, UpdateTimeToLive,
    ],
    Streams => [DescribeStream, GetRecords, GetShardIterator, ListStreams],
}

impl Operation {
    /// Resolves an `X-Amz-Target` header value. `None` means the target is
    /// unknown (DynamoDB answers `UnknownOperationException`).
    pub fn from_target(target: &str) -> Option<Operation> {
        let (prefix, name) = target.split_once('.')?;
        let service = if prefix == Service::DynamoDb.prefix() {
            Service::DynamoDb
        } else if prefix == Service::Streams.prefix() {
            Service::Streams
        } else {
            return None;
        };
        Operation::ALL
            .iter()
            .copied()
            .find(|op| op.service() == service && op.name() == name)
    }

    /// The IAM action name, e.g. `dynamodb:ListTables`.
    pub fn iam_action(self) -> String {
        format!("dynamodb:{}", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_known_targets() {
        assert_eq!(
            Operation::from_target("DynamoDB_20120810.ListTables"),
            Some(Operation::ListTables)
        );
        assert_eq!(
            Operation::from_target("DynamoDBStreams_20120810.GetRecords"),
            Some(Operation::GetRecords)
        );
    }

    #[test]
    fn rejects_unknown_targets() {
        for t in [
            "",
            "ListTables",
            "DynamoDB_20120810.",
            "DynamoDB_20120810.Nope",
            "DynamoDB_20111205.ListTables",
            "DynamoDB_20120810.GetRecords",
            "DynamoDBStreams_20120810.ListTables",
            "dynamodb_20120810.ListTables",
        ] {
            assert_eq!(Operation::from_target(t), None, "{t}");
        }
    }

    #[test]
    fn names_are_unique_per_service() {
        for (i, a) in Operation::ALL.iter().enumerate() {
            for b in Operation::ALL.iter().skip(i + 1) {
                assert!(a.service() != b.service() || a.name() != b.name());
            }
        }
    }
}
