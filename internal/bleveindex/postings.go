package bleveindex

// postings.go keeps the postings of the terms questions ask, decoded.
//
// Profiling topK on 100,000 generated passages showed 5/6 of a search in
// zapx's PostingsIterator.Advance: with frequencies and norms wanted, it
// does not skip but steps through every posting before the target (its
// roaring bitmap one entry at a time). So MaxScore's advancing of the
// long lists of common words cost nearly as much as walking them, and
// common words are in most questions.
//
// A list is therefore decoded, by the
// same full pass an unpruned search makes, into section numbers and each
// posting's BM25 leaf before the clause's weight (idf·sat, score.go), and
// kept for the searches that follow: advancing in it is a galloping
// search, and its largest leaf is the list's exact bound (the bound
// idf·(k1+1) MaxScore otherwise assumes is about twice a typical leaf).
// The leaves are computed in the same arithmetic as a streamed list's, so
// scores are bit for bit the same either way.
//
// Decoding a list costs several times what a pruned search of it costs
// (bleve's Next with frequencies and norms, and a division per posting),
// so a search does not wait for the long ones (streamMinDocs and more):
// it reads those through bleve as before, and the cache decodes them in
// the background afterwards, one search's lists at a time. Shorter lists
// are decoded as the search opens them. A kept list is found before bleve
// is asked for the term at all: opening a term's reader in every segment
// cost a small corpus more than its whole search (the seeds' questions
// took 28 µs of their 100 in TermFieldReader), so short lists are kept too,
// and empty ones (a word in no question field, say), each counted in the
// bound with its bookkeeping (entryBytes).
//
// Kept lists belong to one index snapshot: section numbers change when
// scorch merges segments, and frequencies when documents change. The
// cache holds a weak pointer to the snapshot it was filled from and is
// emptied when a search reads another (any Put, Remove, Sync, persisted
// segment or merge makes one), which fixes each list's postings count. An
// entry also records the idf, average length and BM25 parameters its
// leaves used, and is not used when they differ (the idf is checked
// against the section count of the search asking). The cache is bounded
// (cacheBytes: about 12 bytes a posting and entryBytes a list) and evicts
// the least recently used list.
//
// The cache also keeps the spelling corrections of the words questions
// asked that the corpus lacks (corrections in bleveindex.go), for the
// same snapshot: finding them walks bleve's Levenshtein automaton over
// the term dictionary, which allocated 2/3 of the bytes of such a
// question.

import (
	"container/list"
	"context"
	"fmt"
	"math"
	"sync"
	"weak"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
)

// Variables so that tests can move them.
var (
	// cacheMinDocs is the shortest list kept. Every list is, empty ones
	// too: a kept list is found before bleve is asked for it at all, and
	// opening a term's reader in every segment costs more than decoding a
	// short list.
	cacheMinDocs uint64 = 0
	// streamMinDocs is the shortest list a search reads through bleve
	// when the cache lacks it, rather than decode it.
	streamMinDocs uint64 = 4096
)

const (
	// cacheBytes bounds the memory kept lists take.
	cacheBytes = 128 << 20
	// postingBytes is what a kept posting takes.
	postingBytes = 4 + 8
	// entryBytes is about what a kept list takes besides its postings.
	entryBytes = 256
	// correctionWords bounds the words whose corrections are kept.
	correctionWords = 1024
)

// decoded is a term's postings in a field: section numbers, increasing,
// and each posting's leaf before the clause's weight.
type decoded struct {
	docs  []uint32
	base  []float64
	max   float64 // largest base
	count uint64  // the reader's count (live postings)
	idf   float64
	avg   float64
	k1, b float64
}

// postingsCache keeps decoded lists of one snapshot. It is safe for
// concurrent use; the decoded lists it hands out are never modified.
type postingsCache struct {
	mu      sync.Mutex
	snap    weak.Pointer[scorch.IndexSnapshot]
	entries map[cacheKey]*list.Element // of *cacheEntry
	lru     list.List                  // front: most recently used
	bytes   int
	limit   int
	filling bool // a background fill runs
	closed  bool
	fills   sync.WaitGroup

	// The spelling corrections of folded words, of the same snapshot.
	words    map[string]*list.Element // of *wordEntry
	wordsLRU list.List                // front: most recently used
}

type wordEntry struct {
	word        string
	corrections []string
}

type cacheKey struct{ field, term string }

type cacheEntry struct {
	key cacheKey
	d   *decoded
}

// missed is a long list a search found missing from the cache, with the
// figures its leaves take.
type missed struct {
	key cacheKey
	n   float64 // sections
	avg float64
}

func newPostingsCache(limit int) *postingsCache {
	return &postingsCache{entries: map[cacheKey]*list.Element{}, limit: limit, words: map[string]*list.Element{}}
}

// get returns the kept list of term in field for the snapshot r, if it
// was decoded for a corpus of n sections whose field averages avg: the
// snapshot fixes the count, and the idf follows from it and n.
func (c *postingsCache) get(r index.IndexReader, k cacheKey, n, avg float64) *decoded {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != weak.Make(snap) {
		c.reset(snap)
		return nil
	}
	e, ok := c.entries[k]
	if !ok {
		return nil
	}
	d := e.Value.(*cacheEntry).d
	if d.avg != avg || d.idf != idf(n, d.count) || d.k1 != bm25K1 || d.b != bm25B {
		return nil
	}
	c.lru.MoveToFront(e)
	return d
}

// count returns the postings count of term in field for the snapshot r
// when the list is kept, or false.
func (c *postingsCache) count(r index.IndexReader, k cacheKey) (uint64, bool) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != weak.Make(snap) {
		return 0, false
	}
	e, ok := c.entries[k]
	if !ok {
		return 0, false
	}
	return e.Value.(*cacheEntry).d.count, true
}

// put keeps d as the list of term in field for the snapshot r.
func (c *postingsCache) put(r index.IndexReader, k cacheKey, d *decoded) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return
	}
	size := entrySize(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.limit/4 {
		return // one list must not empty the cache
	}
	if c.snap != weak.Make(snap) {
		c.reset(snap)
	}
	if e, ok := c.entries[k]; ok {
		c.bytes -= entrySize(e.Value.(*cacheEntry).d)
		c.lru.Remove(e)
		delete(c.entries, k)
	}
	for c.bytes+size > c.limit && c.lru.Len() > 0 {
		last := c.lru.Back()
		old := last.Value.(*cacheEntry)
		c.bytes -= entrySize(old.d)
		c.lru.Remove(last)
		delete(c.entries, old.key)
	}
	c.entries[k] = c.lru.PushFront(&cacheEntry{key: k, d: d})
	c.bytes += size
}

// entrySize is what a kept list takes: its postings, and the entry's
// bookkeeping (key, map slot, LRU element), which counts for short lists.
func entrySize(d *decoded) int { return len(d.docs)*postingBytes + entryBytes }

func (c *postingsCache) reset(snap *scorch.IndexSnapshot) {
	c.snap = weak.Make(snap)
	clear(c.entries)
	c.lru.Init()
	c.bytes = 0
	clear(c.words)
	c.wordsLRU.Init()
}

// corrections returns the kept corrections of word for the snapshot r
// (possibly none), and whether they were kept.
func (c *postingsCache) corrections(r index.IndexReader, word string) ([]string, bool) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != weak.Make(snap) {
		c.reset(snap)
		return nil, false
	}
	e, ok := c.words[word]
	if !ok {
		return nil, false
	}
	c.wordsLRU.MoveToFront(e)
	return e.Value.(*wordEntry).corrections, true
}

// putCorrections keeps the corrections of word for the snapshot r. The
// caller must not modify them afterwards.
func (c *postingsCache) putCorrections(r index.IndexReader, word string, corrections []string) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != weak.Make(snap) {
		c.reset(snap)
	}
	if e, ok := c.words[word]; ok {
		e.Value.(*wordEntry).corrections = corrections
		c.wordsLRU.MoveToFront(e)
		return
	}
	for c.wordsLRU.Len() >= correctionWords {
		last := c.wordsLRU.Back()
		c.wordsLRU.Remove(last)
		delete(c.words, last.Value.(*wordEntry).word)
	}
	c.words[word] = c.wordsLRU.PushFront(&wordEntry{word, corrections})
}

// fill decodes the lists a search missed into the cache, in the
// background, from the index's current snapshot. While one fill runs,
// others are dropped: the next search missing them asks again.
func (c *postingsCache) fill(idx bleve.Index, lists []missed) {
	if len(lists) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.filling || c.closed {
		return
	}
	c.filling = true
	c.fills.Add(1)
	go func() {
		defer func() {
			c.mu.Lock()
			c.filling = false
			c.mu.Unlock()
			c.fills.Done()
		}()
		adv, err := idx.Advanced()
		if err != nil {
			return
		}
		r, err := adv.Reader()
		if err != nil {
			return
		}
		defer r.Close()
		ctx := context.Background()
		for _, m := range lists {
			tfr, err := r.TermFieldReader(ctx, []byte(m.key.term), m.key.field, true, true, false)
			if err != nil {
				return
			}
			count := tfr.Count()
			if c.get(r, m.key, m.n, m.avg) == nil {
				d, err := decode(ctx, tfr, count, idf(m.n, count), m.avg)
				if err == nil {
					c.put(r, m.key, d)
				}
			}
			_ = tfr.Close()
		}
	}()
}

// close waits for a background fill and starts no more.
func (c *postingsCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.fills.Wait()
}

// decode reads the postings of tfr, which has count of them, with their
// leaves for idf and avg.
func decode(ctx context.Context, tfr index.TermFieldReader, count uint64, idf, avg float64) (*decoded, error) {
	d := &decoded{count: count, idf: idf, avg: avg, k1: bm25K1, b: bm25B,
		docs: make([]uint32, 0, count), base: make([]float64, 0, count)}
	var tfd index.TermFieldDoc
	for i := 0; ; i++ {
		if i&4095 == 4095 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		got, err := tfr.Next(&tfd)
		if err != nil {
			return nil, err
		}
		if got == nil {
			break
		}
		doc := got.ID.Value()
		if doc > math.MaxUint32 {
			return nil, fmt.Errorf("section number %d out of range", doc)
		}
		v := baseLeaf(idf, avg, got.Freq, got.Norm)
		d.docs = append(d.docs, uint32(doc))
		d.base = append(d.base, v)
		d.max = max(d.max, v)
	}
	return d, nil
}

// baseLeaf is a posting's leaf before the clause's weight: idf·sat(tf,
// len) with the square root of the frequency as bleve counts it, and the
// field length from its norm (bleve keeps 1/√length).
func baseLeaf(idf, avg float64, freq uint64, norm float64) float64 {
	var tf float64
	if freq < 64 {
		tf = sqrtCache[freq]
	} else {
		tf = math.Sqrt(float64(freq))
	}
	fieldLength := 1 / (norm * norm)
	return idf * (tf * (bm25K1 + 1)) / (tf + bm25K1*(1-bm25B+bm25B*fieldLength/avg))
}

var sqrtCache = func() (c [64]float64) {
	for i := range c {
		c[i] = math.Sqrt(float64(i))
	}
	return c
}()
