import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../web/build';
import { synthesizer } from '../support/synth';

const synth = synthesizer();

describe('the learner site build in the stack', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ stage: 'dev' }));
  });

  it('deploys hashed assets under assets/ as immutable for a year, keeping the previous build', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'assets/',
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
      DistributionId: Match.absent(),
    });
  });

  it('publishes the reviews, statistics, account, authors, sign-in callback and error pages without pruning lesson pages', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Prune: false,
      DistributionPaths: ['/reviews/*', '/stats/*', '/account/*', '/authors/*', '/auth/callback/*', '/errors/404.html*', '/errors/unavailable.html*'],
    });
  });

  it('tells the ingest function the hashed asset names its pages must link', () => {
    // Prepare
    const { manifest } = buildSite();

    // Act
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { SITE_ASSETS: Match.anyValue() } } },
    });

    // Assess
    const [ingest] = Object.values(functions);
    expect(JSON.parse(ingest!.Properties.Environment.Variables.SITE_ASSETS)).toEqual(manifest);
    expect(manifest['main.js']).toMatch(/^main-[A-Za-z0-9]{12}\.js$/);
  });
});
