/**
 * The one list of resource types whose replacement or deletion loses data,
 * cuts devices off or drops messages. The address lock guards all of them;
 * `preventDestroy: true` marks the ones that also get `lifecycle.prevent_destroy`
 * in environments that ask for it (staging and prod by default).
 */
export interface StatefulResourceType {
  /** Why replacing or deleting this resource hurts, in one line. */
  readonly why: string;
  /** Receives `lifecycle.prevent_destroy` from `applyPreventDestroy(scope, true)`. */
  readonly preventDestroy: boolean;
  /** Attribute that forces replacement when it changes (recorded in the address lock), if a short one exists. */
  readonly identity?: string;
}

export const STATEFUL_RESOURCE_TYPES = {
  aws_dynamodb_table: { why: "a replaced table loses the shadow history it holds", preventDestroy: true, identity: "name" },
  aws_kms_key: { why: "data encrypted under a deleted key is unrecoverable", preventDestroy: true },
  aws_kms_alias: { why: "callers resolve the key through the alias; a renamed alias breaks them", preventDestroy: false, identity: "name" },
  aws_s3_bucket: { why: "holds Terraform state and other durable objects", preventDestroy: true, identity: "bucket" },
  aws_iot_certificate: { why: "fielded devices authenticate with it; a new one cuts them off", preventDestroy: true },
  aws_iot_thing: { why: "shadows, registry attributes and group memberships live on the thing", preventDestroy: true, identity: "name" },
  aws_iot_policy: { why: "devices are authorised through it; recreating detaches it from certificates", preventDestroy: true, identity: "name" },
  aws_iot_thing_type: { why: "things reference it; deletion needs a 5-minute deprecation and strands them", preventDestroy: false, identity: "name" },
  aws_iot_thing_group: { why: "fleet membership, dynamic policies and jobs target it", preventDestroy: false, identity: "name" },
  aws_iot_topic_rule: { why: "a renamed rule drops messages while it is recreated", preventDestroy: false, identity: "name" },
  aws_iot_provisioning_template: { why: "devices in the field provision against its name", preventDestroy: false, identity: "name" },
  aws_sqs_queue: { why: "holds undelivered and dead-lettered messages", preventDestroy: false, identity: "name" },
  aws_cloudwatch_log_group: { why: "a replaced log group loses the logs it retained", preventDestroy: false, identity: "name" },
  aws_ssm_parameter: { why: "other systems read it by name; values may not be reproducible", preventDestroy: false, identity: "name" },
  // Common types module users add beside ours: data stores, credentials and registries.
  aws_secretsmanager_secret: {
    why: "its value may not be reproducible; a replacement gets a new ARN, and the old name stays blocked during the recovery window",
    preventDestroy: true,
    identity: "name",
  },
  aws_db_instance: { why: "a replaced database instance starts empty (unless restored from a snapshot) under a new endpoint", preventDestroy: true },
  aws_rds_cluster: {
    why: "a replaced cluster starts with an empty volume (unless restored from a snapshot) under new endpoints",
    preventDestroy: true,
    identity: "cluster_identifier",
  },
  aws_efs_file_system: { why: "a replaced file system starts empty, and every mount target and access point goes with it", preventDestroy: true, identity: "creation_token" },
  aws_elasticache_cluster: { why: "a replaced cache node loses its data (Redis/Valkey keys are not only a cache) and its endpoint", preventDestroy: false, identity: "cluster_id" },
  aws_elasticache_replication_group: {
    why: "a replaced Redis/Valkey replication group loses every key and changes its endpoints",
    preventDestroy: true,
    identity: "replication_group_id",
  },
  aws_elasticache_serverless_cache: { why: "a replaced serverless cache loses every key and changes its endpoint", preventDestroy: true, identity: "name" },
  aws_elasticache_user: { why: "applications authenticate as it; while it is recreated their connections are refused", preventDestroy: false, identity: "user_id" },
  aws_elasticache_user_group: { why: "caches grant access through it; while it is recreated its users cannot connect", preventDestroy: false, identity: "user_group_id" },
  aws_opensearch_domain: { why: "a replaced domain starts with no indices; only a manual snapshot brings them back", preventDestroy: true, identity: "domain_name" },
  aws_kinesis_stream: { why: "holds records not yet consumed (up to its retention period); consumers lose their position", preventDestroy: false, identity: "name" },
  aws_ecr_repository: { why: "a replaced repository loses every image, so deployments that pull by tag or digest fail", preventDestroy: true, identity: "name" },
  aws_cognito_user_pool: {
    why: "a replaced user pool loses every user and password (they cannot be exported) and gets new pool and client ids",
    preventDestroy: true,
    identity: "name",
  },
} as const satisfies Record<string, StatefulResourceType>;

export type StatefulResourceTypeName = keyof typeof STATEFUL_RESOURCE_TYPES;

/** Terraform types the address lock guards. */
export const STATEFUL_TYPE_NAMES: readonly StatefulResourceTypeName[] = Object.keys(STATEFUL_RESOURCE_TYPES) as StatefulResourceTypeName[];

/**
 * Terraform types that get `prevent_destroy`: certificates, things, IoT policies, tables, KMS keys, buckets,
 * and the data stores, secrets, registries and user pools a module user may add.
 */
export const PREVENT_DESTROY_RESOURCE_TYPES: readonly StatefulResourceTypeName[] = STATEFUL_TYPE_NAMES.filter(
  (t) => STATEFUL_RESOURCE_TYPES[t].preventDestroy,
);
