// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub templates are plain strings with ${…}
import { describe, expect, it } from 'vitest';
import {
  IntrinsicError,
  type ResourceLookup,
  resolveIntrinsics,
} from '../../local/template/intrinsics.js';
import { fixtureStack } from '../support/local-cloud.js';

const lookup: ResourceLookup = {
  ref: (id) =>
    id === 'Table' ? 'TableName' : id === 'Queue' ? 'http://q/000000000000/Queue' : undefined,
  getAtt: (id, attr) =>
    id === 'Table' && attr === 'Arn'
      ? 'arn:aws:dynamodb:us-east-1:000000000000:table/TableName'
      : undefined,
  condition: (name) => name === 'Yes',
};

describe('resolveIntrinsics', () => {
  it('resolves Ref, GetAtt and the pseudo parameters', () => {
    expect(
      resolveIntrinsics(
        {
          a: { Ref: 'Table' },
          b: { 'Fn::GetAtt': ['Table', 'Arn'] },
          c: { 'Fn::GetAtt': 'Table.Arn' },
          d: [
            { Ref: 'AWS::Region' },
            { Ref: 'AWS::AccountId' },
            { Ref: 'AWS::Partition' },
            { Ref: 'AWS::URLSuffix' },
          ],
        },
        lookup,
      ),
    ).toEqual({
      a: 'TableName',
      b: 'arn:aws:dynamodb:us-east-1:000000000000:table/TableName',
      c: 'arn:aws:dynamodb:us-east-1:000000000000:table/TableName',
      d: ['us-east-1', '000000000000', 'aws', 'amazonaws.com'],
    });
  });

  it('resolves Join, Select and Split nested in each other', () => {
    const value = {
      'Fn::Join': [
        '-',
        [{ 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': ['Table', 'Arn'] }] }] }, 'x'],
      ],
    };
    expect(resolveIntrinsics(value, lookup)).toBe('TableName-x');
  });

  it('resolves Fn::Sub with references, attributes, its own variables and escaped literals', () => {
    const value = {
      'Fn::Sub': [
        '${Table}|${Table.Arn}|${AWS::Region}|${Mine}|${!Kept}',
        { Mine: { Ref: 'Queue' } },
      ],
    };
    expect(resolveIntrinsics(value, lookup)).toBe(
      'TableName|arn:aws:dynamodb:us-east-1:000000000000:table/TableName|us-east-1|http://q/000000000000/Queue|${Kept}',
    );
  });

  it('drops AWS::NoValue and follows Fn::If', () => {
    const value = {
      a: { 'Fn::If': ['Yes', 1, 2] },
      b: { 'Fn::If': ['No', 1, { Ref: 'AWS::NoValue' }] },
    };
    expect(resolveIntrinsics(value, lookup)).toEqual({ a: 1 });
  });

  it('names the place of an unknown reference', () => {
    expect(() => resolveIntrinsics({ x: { Ref: 'Nope' } }, lookup, 'Fn')).toThrow(IntrinsicError);
    expect(() => resolveIntrinsics({ x: { Ref: 'Nope' } }, lookup, 'Fn')).toThrow(/Fn\.x.*Nope/);
  });

  it('refuses functions it cannot run locally', () => {
    expect(() => resolveIntrinsics({ 'Fn::ImportValue': 'x' }, lookup)).toThrow(/not supported/);
  });
});

describe('StackTemplate (the fixture template)', () => {
  it('names tables, queues and functions by logical id, with local ARNs', () => {
    const stack = fixtureStack();
    expect(stack.tables().map((t) => t.name)).toEqual(['ItemsTable', 'KeysTable']);
    expect(stack.getAtt('WorkQueue', 'Arn')).toBe('arn:aws:sqs:us-east-1:000000000000:WorkQueue');
    expect(stack.getAtt('EchoFunction', 'Arn')).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:EchoFunction',
    );
  });

  it('lists dead-letter queues before the queues that redrive to them', () => {
    const queues = fixtureStack().queues();
    expect(queues.map((q) => q.name).indexOf('WorkDlq')).toBeLessThan(
      queues.map((q) => q.name).indexOf('WorkQueue'),
    );
    expect(queues.find((q) => q.name === 'WorkQueue')?.properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:WorkDlq',
      maxReceiveCount: 2,
    });
  });

  it('resolves a function environment against the running emulators', () => {
    const urls = new Map([['WorkQueue', 'http://127.0.0.1:9/000000000000/WorkQueue']]);
    const stack = fixtureStack({
      queueUrl: (id) => urls.get(id),
      streamArn: () => undefined,
      apiUrl: () => undefined,
    });
    const echo = stack.functions().find((f) => f.logicalId === 'EchoFunction');
    expect(echo).toMatchObject({
      displayName: 'echo',
      handlerModule: 'index',
      handlerExport: 'handler',
      timeoutSeconds: 3,
      memoryMb: 256,
      logFormat: 'JSON',
      environment: {
        TABLE: 'ItemsTable',
        QUEUE_URL: 'http://127.0.0.1:9/000000000000/WorkQueue',
        JOINED: 'arn:aws:x:ItemsTable',
      },
    });
    expect(echo?.assetDir).toMatch(/fixtures\/assembly\/asset\.echo$/);
  });

  it('maps HTTP API routes to the function of their integration', () => {
    const [api] = fixtureStack().httpApis();
    expect(api?.routes).toEqual([
      { routeKey: 'POST /orders', functionName: 'ApiFunction', payloadFormatVersion: '2.0' },
      { routeKey: 'GET /orders/{id}', functionName: 'ApiFunction', payloadFormatVersion: '2.0' },
    ]);
  });

  it('makes the API URL output local once the API listens', () => {
    const stream = 'arn:aws:dynamodb:ddblocal:000000000000:table/ItemsTable/stream/1';
    const stack = fixtureStack({
      queueUrl: () => undefined,
      streamArn: (id) => (id === 'ItemsTable' ? stream : undefined),
      apiUrl: () => 'http://localhost:3000',
    });
    // Before the emulators run, the same template resolves to placeholders.
    expect(fixtureStack().outputs().ApiUrl).not.toBe('http://localhost:3000/');
    expect(stack.outputs()).toMatchObject({
      ApiUrl: 'http://localhost:3000/',
      ItemsTableName: 'ItemsTable',
      StreamArn: 'arn:aws:dynamodb:ddblocal:000000000000:table/ItemsTable/stream/1',
    });
  });
});
