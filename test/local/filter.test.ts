import { describe, expect, it } from 'vitest';
import { matchesPattern, parseFilterCriteria, passesFilters } from '../../local/sources/filter.js';

const streamRecord = {
  eventName: 'INSERT',
  dynamodb: {
    NewImage: { kind: { S: 'EVENT' }, type: { S: 'order.placed.v1' }, amount: { N: '500' } },
    SizeBytes: 120,
  },
};

describe('Lambda event filtering', () => {
  it('matches nested literal values, any of a list', () => {
    expect(
      matchesPattern(
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { kind: { S: ['EVENT'] } } } },
        streamRecord,
      ),
    ).toBe(true);
    expect(matchesPattern({ eventName: ['REMOVE'] }, streamRecord)).toBe(false);
    expect(
      matchesPattern({ dynamodb: { NewImage: { kind: { S: ['ORDER'] } } } }, streamRecord),
    ).toBe(false);
  });

  it('supports prefix, suffix, equals-ignore-case and wildcard', () => {
    const on = (matcher: unknown) => ({ dynamodb: { NewImage: { type: { S: [matcher] } } } });
    expect(matchesPattern(on({ prefix: 'order.' }), streamRecord)).toBe(true);
    expect(matchesPattern(on({ suffix: '.v1' }), streamRecord)).toBe(true);
    expect(matchesPattern(on({ 'equals-ignore-case': 'ORDER.PLACED.V1' }), streamRecord)).toBe(
      true,
    );
    expect(matchesPattern(on({ wildcard: 'order.*.v1' }), streamRecord)).toBe(true);
    expect(matchesPattern(on({ prefix: 'payment.' }), streamRecord)).toBe(false);
    expect(matchesPattern(on({ suffix: '.v2' }), streamRecord)).toBe(false);
    expect(matchesPattern(on({ 'equals-ignore-case': 'ORDER.PLACED' }), streamRecord)).toBe(false);
    expect(matchesPattern(on({ wildcard: 'payment.*' }), streamRecord)).toBe(false);
  });

  it('supports exists true and false', () => {
    expect(
      matchesPattern({ dynamodb: { NewImage: { kind: { S: [{ exists: true }] } } } }, streamRecord),
    ).toBe(true);
    expect(
      matchesPattern(
        { dynamodb: { NewImage: { reason: { S: [{ exists: false }] } } } },
        streamRecord,
      ),
    ).toBe(false);
    expect(matchesPattern({ dynamodb: { OldImage: [{ exists: false }] } }, streamRecord)).toBe(
      true,
    );
    expect(matchesPattern({ eventName: [{ exists: false }] }, streamRecord)).toBe(false);
  });

  it('supports anything-but with a value, a list and a prefix', () => {
    expect(matchesPattern({ eventName: [{ 'anything-but': 'REMOVE' }] }, streamRecord)).toBe(true);
    expect(
      matchesPattern({ eventName: [{ 'anything-but': ['INSERT', 'REMOVE'] }] }, streamRecord),
    ).toBe(false);
    expect(
      matchesPattern({ eventName: [{ 'anything-but': { prefix: 'INS' } }] }, streamRecord),
    ).toBe(false);
  });

  it('supports numeric ranges', () => {
    expect(
      matchesPattern(
        { dynamodb: { SizeBytes: [{ numeric: ['>', 100, '<=', 200] }] } },
        streamRecord,
      ),
    ).toBe(true);
    expect(
      matchesPattern({ dynamodb: { SizeBytes: [{ numeric: ['<', 100] }] } }, streamRecord),
    ).toBe(false);
    expect(
      matchesPattern({ dynamodb: { SizeBytes: [{ numeric: ['=', 120] }] } }, streamRecord),
    ).toBe(true);
  });

  it('matches any element of an array value, and $or alternatives', () => {
    expect(matchesPattern({ tags: ['b'] }, { tags: ['a', 'b'] })).toBe(true);
    expect(matchesPattern({ $or: [{ a: [1] }, { b: [2] }] }, { b: 2 })).toBe(true);
    expect(matchesPattern({ $or: [{ a: [1] }, { b: [2] }] }, { b: 3 })).toBe(false);
  });

  it('passes a record when any filter of the criteria matches, and everything without filters', () => {
    const patterns = parseFilterCriteria({
      Filters: [{ Pattern: '{"body":{"type":["a"]}}' }, { Pattern: '{"body":{"type":["b"]}}' }],
    });
    expect(passesFilters(patterns, { body: { type: 'b' } })).toBe(true);
    expect(passesFilters(patterns, { body: { type: 'c' } })).toBe(false);
    expect(passesFilters([], { anything: true })).toBe(true);
  });
});
