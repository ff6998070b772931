//! One struct per CloudFormation resource type, grouped by service.
//!
//! [`ResourceProps`] is the closed set of types the project renders.
//! Its serde representation is adjacently tagged, so a variant serializes as
//! `{"Type": "AWS::EC2::VPC", "Properties": {..}}`, and the type name lives in one place: the table below.

use serde::Serialize;

pub mod autoscaling;
pub mod cloudwatch;
pub mod dynamodb;
pub mod ec2;
pub mod elbv2;
pub mod events;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod s3;
pub mod secretsmanager;
pub mod serverless;
pub mod sns;
pub mod sqs;
pub mod ssm;

#[cfg(test)]
mod tests;

macro_rules! resources {
    ($( $variant:ident($ty:ty) = $name:literal [$($attr:literal),* $(,)?] ),* $(,)?) => {
        /// The properties of one resource, tagged with its CloudFormation type.
        // Variants differ in size, but a template holds at most 500 resources and boxing every
        // variant would only add noise to the constructs.
        #[allow(clippy::large_enum_variant)]
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(tag = "Type", content = "Properties")]
        pub enum ResourceProps {
            $( #[serde(rename = $name)] $variant($ty), )*
        }

        impl ResourceProps {
            /// The CloudFormation type name, such as `AWS::EC2::VPC`.
            pub fn type_name(&self) -> &'static str {
                match self { $( ResourceProps::$variant(_) => $name, )* }
            }

            /// The attributes `Fn::GetAtt` may read from this type.
            pub fn attributes(&self) -> &'static [&'static str] {
                match self { $( ResourceProps::$variant(_) => &[$($attr),*], )* }
            }
        }

        /// Every type name the model knows, with its attributes (for docs and validation).
        pub const ALL_TYPES: &[(&str, &[&str])] = &[ $( ($name, &[$($attr),*]), )* ];

        $(
            impl From<$ty> for ResourceProps {
                fn from(v: $ty) -> ResourceProps { ResourceProps::$variant(v) }
            }
        )*
    };
}

// Attributes are the schema's `readOnlyProperties` (cfn-lint 1.58.0, us-east-1) plus the documented
// legacy attributes that still work on writable properties (`AWS::EC2::VPC.CidrBlock`,
// `AWS::SQS::Queue.QueueName`, ...), each one accepted by cfn-lint's E1010. The VPC's two dozen
// `VpcEncryptionControl.*` attributes are left out: the model has no `VpcEncryptionControl` to read back.
resources! {
    Vpc(ec2::Vpc) = "AWS::EC2::VPC" ["CidrBlock", "CidrBlockAssociations", "DefaultNetworkAcl", "DefaultSecurityGroup", "Ipv6CidrBlocks", "VpcId"],
    Subnet(ec2::Subnet) = "AWS::EC2::Subnet" ["AvailabilityZone", "AvailabilityZoneId", "BlockPublicAccessStates.InternetGatewayBlockMode", "CidrBlock", "Ipv6CidrBlocks", "NetworkAclAssociationId", "OutpostArn", "SubnetId", "VpcId"],
    RouteTable(ec2::RouteTable) = "AWS::EC2::RouteTable" ["RouteTableId"],
    Route(ec2::Route) = "AWS::EC2::Route" ["CidrBlock"],
    SubnetRouteTableAssociation(ec2::SubnetRouteTableAssociation) = "AWS::EC2::SubnetRouteTableAssociation" ["Id"],
    InternetGateway(ec2::InternetGateway) = "AWS::EC2::InternetGateway" ["InternetGatewayId"],
    VpcGatewayAttachment(ec2::VpcGatewayAttachment) = "AWS::EC2::VPCGatewayAttachment" ["AttachmentType"],
    Eip(ec2::Eip) = "AWS::EC2::EIP" ["AllocationId", "PublicIp"],
    NatGateway(ec2::NatGateway) = "AWS::EC2::NatGateway" ["AutoProvisionZones", "AutoScalingIps", "EniId", "NatGatewayId", "RouteTableId"],
    VpcEndpoint(ec2::VpcEndpoint) = "AWS::EC2::VPCEndpoint" ["CreationTimestamp", "DnsEntries", "Id", "NetworkInterfaceIds"],
    SecurityGroup(ec2::SecurityGroup) = "AWS::EC2::SecurityGroup" ["GroupId", "Id", "VpcId"],
    SecurityGroupIngress(ec2::SecurityGroupIngress) = "AWS::EC2::SecurityGroupIngress" ["Id"],
    SecurityGroupEgress(ec2::SecurityGroupEgress) = "AWS::EC2::SecurityGroupEgress" ["Id"],
    NetworkInterface(ec2::NetworkInterface) = "AWS::EC2::NetworkInterface" ["Id", "PrimaryIpv6Address", "PrimaryPrivateIpAddress", "PublicIpDnsNameOptions", "SecondaryPrivateIpAddresses", "VpcId"],
    LaunchTemplate(ec2::LaunchTemplate) = "AWS::EC2::LaunchTemplate" ["DefaultVersionNumber", "LatestVersionNumber", "LaunchTemplateId"],
    TrafficMirrorTarget(ec2::TrafficMirrorTarget) = "AWS::EC2::TrafficMirrorTarget" ["Id"],
    TrafficMirrorFilter(ec2::TrafficMirrorFilter) = "AWS::EC2::TrafficMirrorFilter" ["Id"],
    TrafficMirrorFilterRule(ec2::TrafficMirrorFilterRule) = "AWS::EC2::TrafficMirrorFilterRule" ["TrafficMirrorFilterRuleId"],
    PrefixList(ec2::PrefixList) = "AWS::EC2::PrefixList" ["Arn", "OwnerId", "PrefixListId", "Version"],
    AutoScalingGroup(autoscaling::AutoScalingGroup) = "AWS::AutoScaling::AutoScalingGroup" ["AutoScalingGroupARN", "LaunchConfigurationName", "PlacementGroup", "VPCZoneIdentifier"],
    LifecycleHook(autoscaling::LifecycleHook) = "AWS::AutoScaling::LifecycleHook" [],
    Function(lambda::Function) = "AWS::Lambda::Function" ["Arn", "SnapStartResponse", "SnapStartResponse.ApplyOn", "SnapStartResponse.OptimizationStatus"],
    Permission(lambda::Permission) = "AWS::Lambda::Permission" ["Id"],
    EventSourceMapping(lambda::EventSourceMapping) = "AWS::Lambda::EventSourceMapping" ["EventSourceMappingArn", "Id"],
    LogGroup(logs::LogGroup) = "AWS::Logs::LogGroup" ["Arn"],
    Rule(events::Rule) = "AWS::Events::Rule" ["Arn", "RuleName"],
    Table(dynamodb::Table) = "AWS::DynamoDB::Table" ["Arn", "StreamArn"],
    Bucket(s3::Bucket) = "AWS::S3::Bucket" ["Arn", "DomainName", "DualStackDomainName", "MetadataConfiguration.AnnotationTableConfiguration.TableArn", "MetadataConfiguration.AnnotationTableConfiguration.TableName", "MetadataConfiguration.Destination", "MetadataConfiguration.InventoryTableConfiguration.TableArn", "MetadataConfiguration.InventoryTableConfiguration.TableName", "MetadataConfiguration.JournalTableConfiguration.TableArn", "MetadataConfiguration.JournalTableConfiguration.TableName", "MetadataTableConfiguration.S3TablesDestination.TableArn", "MetadataTableConfiguration.S3TablesDestination.TableNamespace", "RegionalDomainName", "WebsiteURL"],
    BucketPolicy(s3::BucketPolicy) = "AWS::S3::BucketPolicy" [],
    LoadBalancer(elbv2::LoadBalancer) = "AWS::ElasticLoadBalancingV2::LoadBalancer" ["CanonicalHostedZoneID", "DNSName", "LoadBalancerArn", "LoadBalancerFullName", "LoadBalancerName", "SecurityGroups"],
    TargetGroup(elbv2::TargetGroup) = "AWS::ElasticLoadBalancingV2::TargetGroup" ["LoadBalancerArns", "TargetGroupArn", "TargetGroupFullName", "TargetGroupName"],
    Listener(elbv2::Listener) = "AWS::ElasticLoadBalancingV2::Listener" ["ListenerArn"],
    ListenerRule(elbv2::ListenerRule) = "AWS::ElasticLoadBalancingV2::ListenerRule" ["IsDefault", "RuleArn"],
    Alarm(cloudwatch::Alarm) = "AWS::CloudWatch::Alarm" ["Arn"],
    Queue(sqs::Queue) = "AWS::SQS::Queue" ["Arn", "QueueName", "QueueUrl"],
    Topic(sns::Topic) = "AWS::SNS::Topic" ["TopicArn", "TopicName"],
    Key(kms::Key) = "AWS::KMS::Key" ["Arn", "KeyId"],
    Parameter(ssm::Parameter) = "AWS::SSM::Parameter" ["Arn", "Type", "Value"],
    Secret(secretsmanager::Secret) = "AWS::SecretsManager::Secret" ["Id"],
    Role(iam::Role) = "AWS::IAM::Role" ["Arn", "RoleId"],
    Policy(iam::Policy) = "AWS::IAM::Policy" ["Id"],
    InstanceProfile(iam::InstanceProfile) = "AWS::IAM::InstanceProfile" ["Arn"],
    ServerlessFunction(serverless::Function) = "AWS::Serverless::Function" ["Arn", "SnapStartResponse", "SnapStartResponse.ApplyOn", "SnapStartResponse.OptimizationStatus"],
}
