#!/usr/bin/env node
// job.mjs [--config config/job.json] [--log logs/job.jsonl] [--records 400]
// A nightly import job: it parses customer records and logs one JSON line per record. How many it
// rejects depends on config/job.json. The records are generated from their id, so every run sees
// the same data and the loop's decisions are repeatable.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const here = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    config: { type: 'string', default: resolve(here, 'config/job.json') },
    log: { type: 'string', default: resolve(here, 'logs/job.jsonl') },
    records: { type: 'string', default: '400' },
  },
});

function fail(message) {
  process.stderr.write(`job: ${message}\n`);
  process.exit(2);
}

let config;
try {
  config = JSON.parse(readFileSync(values.config, 'utf8'));
} catch (error) {
  fail(`${values.config}: ${error.message}`);
}
if (!['strict', 'lenient'].includes(config.parser))
  fail(`${values.config}: parser: expected "strict" or "lenient"`);
if (!Array.isArray(config.dateFormats)) fail(`${values.config}: dateFormats: expected a list`);
if (!Number.isInteger(config.maxFieldBytes)) fail(`${values.config}: maxFieldBytes: expected an integer`);

function recordOf(id) {
  return {
    id,
    customer: id % 50 === 7 ? '' : `C${1000 + id}`,
    date: id % 5 === 0 ? '24/11/2026' : '2026-11-24',
    note: 'x'.repeat(id % 13 === 0 ? 600 : 40),
    amount: `${id % 3 === 0 ? '0' : ''}${id}.50`,
  };
}

/** Why a record is rejected with this config, or undefined when it is imported. */
function rejection(record) {
  if (!record.customer) return { reason: 'missing-customer', detail: 'the record names no customer' };
  if (config.parser === 'lenient') {
    // Lenient parsing accepts any date, but it also reads "012.50" as 12.5 and breaks the checksum.
    if (record.amount.startsWith('0'))
      return {
        reason: 'checksum-mismatch',
        detail: `amount ${record.amount} read as ${Number(record.amount)}`,
      };
  } else if (record.date.includes('/') && !config.dateFormats.includes('day-first')) {
    return { reason: 'date-format', detail: `date ${record.date} is not ISO 8601` };
  }
  if (record.note.length > config.maxFieldBytes)
    return {
      reason: 'field-too-long',
      detail: `note is ${record.note.length} bytes, limit ${config.maxFieldBytes}`,
    };
  return undefined;
}

mkdirSync(dirname(values.log), { recursive: true });
const lines = [JSON.stringify({ ts: new Date().toISOString(), level: 'info', event: 'job_started', config })];
let rejected = 0;
const total = Number(values.records);
for (let id = 1; id <= total; id += 1) {
  const problem = rejection(recordOf(id));
  const ts = new Date().toISOString();
  if (problem) {
    rejected += 1;
    lines.push(
      JSON.stringify({ ts, level: 'error', event: 'record_rejected', record: String(id), ...problem }),
    );
  } else lines.push(JSON.stringify({ ts, level: 'info', event: 'record_imported', record: String(id) }));
}
appendFileSync(values.log, `${lines.join('\n')}\n`);
process.stderr.write(`job: ${total} records, ${rejected} rejected\n`);
