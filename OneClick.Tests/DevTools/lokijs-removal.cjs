// Checks the lokijs that Azurite loads from the repository's node_modules: removing no document, or one, from a
// collection with binary indices must keep the indices in place instead of re-sorting them all
// (patches/lokijs+1.5.12.patch). Exits 1 with the reason otherwise.
const loki = require('lokijs');

const db = new loki('check', { persistenceMethod: 'memory' });
// Shaped like Azurite's queue messages collection.
const messages = db.addCollection('messages', { indices: ['queueName', 'messageId', 'visibleTime'] });
for (let i = 0; i < 5000; i++)
  messages.insert({ queueName: 'q' + (i % 3), messageId: 'm' + i, visibleTime: (i * 7919) % 5000 });
messages.ensureAllIndexes(true);

let rebuilds = 0;
const ensureIndex = messages.ensureIndex;
messages.ensureIndex = function (property, force) {
  if (force || this.binaryIndices[property].dirty)
    rebuilds++;
  return ensureIndex.call(this, property, force);
};

messages.remove([]); // Azurite's clearExpiredMessages when nothing has expired: on every queue request
messages.findAndRemove({ messageId: 'm42' }); // a message deleted, or an extent collected
messages.findAndRemove({ messageId: 'm4999' });
messages.remove(messages.find({ messageId: 'm7' })); // remove(array of one)

const fail = (reason) => { console.error(reason); process.exit(1); };
// The indices still answer exactly what a scan answers.
for (const [property, value] of [['queueName', 'q1'], ['messageId', 'm43'], ['messageId', 'm42'], ['visibleTime', { $lt: 2500 }]]) {
  const indexed = messages.find({ [property]: value }).map((m) => m.$loki).sort((a, b) => a - b);
  const scanned = messages.data.filter((m) => typeof value === 'object' ? m[property] < value.$lt : m[property] === value)
    .map((m) => m.$loki).sort((a, b) => a - b);
  if (JSON.stringify(indexed) !== JSON.stringify(scanned))
    fail(`index ${property} is wrong after removals: ${indexed.length} found, ${scanned.length} expected`);
}
if (messages.count() !== 4997)
  fail(`expected 4997 documents, found ${messages.count()}`);
if (rebuilds !== 0)
  fail(`removing zero or one document re-sorted an index ${rebuilds} times: is patches/lokijs+1.5.12.patch applied (npm ci runs patch-package)?`);
console.log('ok');
