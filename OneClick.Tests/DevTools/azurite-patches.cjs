// Checks the lokijs and Azurite that the tests load from the repository's node_modules (patches/, applied by npm ci):
// removing no document, or one, from a collection with binary indices keeps the indices in place instead of re-sorting
// them all; updating a document without changing an indexed value does not scan that index; and Azurite replaces an
// entity in place (the table tests check its answers through the real service); and its queue garbage collector removes
// a sweep's extents in one removal. Exits 1 with the reason otherwise.
const fs = require('fs');
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

// Shaped like an Azurite table: entities updated (merged or replaced) under the same keys.
const table = db.addCollection('table', { indices: ['PartitionKey', 'RowKey'] });
for (let i = 0; i < 2000; i++)
  table.insert({ PartitionKey: 'p' + (i % 4), RowKey: 'r' + i, properties: { n: i } });
let scans = 0;
const indexUpdate = table.adaptiveBinaryIndexUpdate;
table.adaptiveBinaryIndexUpdate = function (position, property) {
  scans++;
  return indexUpdate.call(this, position, property);
};
const r7 = table.findOne({ PartitionKey: 'p3', RowKey: 'r7' });
table.update({ ...r7, properties: { n: -7 } }); // same keys: no index moves
if (scans !== 0)
  fail(`an update that kept its keys scanned an index ${scans} times: is patches/lokijs+1.5.12.patch applied?`);
const r8 = table.findOne({ PartitionKey: 'p0', RowKey: 'r8' });
table.update({ ...r8, PartitionKey: 'p9' }); // a changed key still moves in its index
if (scans !== 1)
  fail(`an update that changed PartitionKey updated ${scans} indices, expected 1`);
if (table.findOne({ PartitionKey: 'p3', RowKey: 'r7' })?.properties.n !== -7 || table.find({ PartitionKey: 'p9' }).length !== 1
  || table.find({ PartitionKey: 'p0' }).length !== 499)
  fail('the table indices answer wrongly after updates');

const store = fs.readFileSync(require.resolve('azurite/dist/src/table/persistence/LokiTableMetadataStore.js'), 'utf8');
if (!store.includes('replaceInPlace(tableEntityCollection, doc, entity)'))
  fail('Azurite still replaces an entity by removing and inserting it: is patches/azurite+3.37.0.patch applied?');

// Azurite's queue garbage collector: a sweep's unreferenced extents (the bodies of deleted messages) go in one removal,
// and exactly those go.
(async () => {
  const { default: MemoryExtentStore, MemoryExtentChunkStore } = require('azurite/dist/src/common/persistence/MemoryExtentStore.js');
  const { default: LokiExtentMetadataStore } = require('azurite/dist/src/common/persistence/LokiExtentMetadataStore.js');
  const quiet = { info() {}, debug() {}, warn() {}, error() {}, verbose() {} };
  const metadata = new LokiExtentMetadataStore('/nonexistent/oneclick-extents-check', true);
  const extents = new MemoryExtentStore('queue', new MemoryExtentChunkStore(1 << 30), metadata, quiet, (status, code) => new Error(`${status} ${code}`));
  await extents.init();
  const ids = [];
  for (let i = 0; i < 3000; i++)
    ids.push((await extents.appendExtent(Buffer.from('body ' + i))).id);
  const collection = metadata.db.getCollection(metadata.EXTENTS_COLLECTION);
  let removals = 0;
  const removeBatch = collection.removeBatchByPositions;
  collection.removeBatchByPositions = function (positions) {
    removals++;
    return removeBatch.call(this, positions);
  };
  const swept = new Set(ids.filter((_, i) => i % 3 !== 0));
  if (await extents.deleteExtents(swept) !== swept.size)
    fail('deleteExtents did not report every extent it was given');
  if (removals !== 1)
    fail(`a sweep of ${swept.size} extents took ${removals} removals, expected 1: is patches/azurite+3.37.0.patch applied?`);
  const left = collection.find().map((e) => e.id).sort();
  const kept = ids.filter((id) => !swept.has(id)).sort();
  if (JSON.stringify(left) !== JSON.stringify(kept))
    fail(`after the sweep ${left.length} extents are left, expected the ${kept.length} not swept`);
  if (collection.findOne({ id: ids[3] }) === null || collection.findOne({ id: ids[1] }) !== null)
    fail('the extents id index answers wrongly after the sweep');
  if (ids.some((id) => (extents.chunks.get('queue', id) !== undefined) === swept.has(id)))
    fail('the swept extents\' bodies are still held, or a kept one was dropped');
  await extents.deleteExtents(new Set()); // an empty sweep removes nothing
  if (collection.count() !== kept.length)
    fail('an empty sweep removed extents');
  console.log('ok');
})().catch((e) => fail(e.stack));
