import { CfnResource, type IAspect, type RemovalPolicy } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { acknowledge, COMMON_FINDINGS } from './nag';

/**
 * Gives every Lambda function without a log group of its own (CDK's custom-resource and
 * asset-deployment handlers) an explicit one with the stage's retention, so no log group is left to
 * Lambda's default of keeping logs forever. Rungs' own functions already have one (RungsFunction).
 */
export class LogRetention implements IAspect {
  constructor(private readonly retention: RetentionDays, private readonly removalPolicy: RemovalPolicy) {}

  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || node.cfnResourceType !== CfnFunction.CFN_RESOURCE_TYPE_NAME) return;
    if (hasLogGroup(node)) return;
    const scope = node.node.scope;
    if (!scope) return;
    // Synthesizing twice (tests do) visits twice: reuse the log group made the first time.
    const id = `${node.node.id}Logs`;
    let logGroup = scope.node.tryFindChild(id) as LogGroup | undefined;
    if (!logGroup) {
      logGroup = new LogGroup(scope, id, { retention: this.retention, removalPolicy: this.removalPolicy });
      acknowledge(logGroup, COMMON_FINDINGS.logKey);
    }
    node.addPropertyOverride('LoggingConfig.LogGroup', logGroup.logGroupName);
  }
}

function hasLogGroup(fn: CfnResource): boolean {
  // CDK's custom-resource providers are plain CfnResources without a logging configuration.
  if (!(fn instanceof CfnFunction)) return false;
  const config = fn.loggingConfig;
  return Boolean(config && typeof config === 'object' && 'logGroup' in config && config.logGroup);
}
