package bleveindex

import "github.com/blevesearch/bleve/v2/index/scorch"

// Segments is the number of segments the index's current snapshot holds.
func Segments(x *Index) int {
	adv, err := x.idx.Advanced()
	if err != nil {
		return -1
	}
	r, err := adv.Reader()
	if err != nil {
		return -1
	}
	defer r.Close()
	if s, ok := r.(interface {
		Segments() []*scorch.SegmentSnapshot
	}); ok {
		return len(s.Segments())
	}
	return -1
}

// CachedBytes is what the decoded postings kept by x take.
func CachedBytes(x *Index) int {
	x.postings.mu.Lock()
	defer x.postings.mu.Unlock()
	return x.postings.bytes
}

// SetCacheLimit bounds the decoded postings x keeps (0 keeps none) and
// returns the bound it replaced.
func SetCacheLimit(x *Index, limit int) (old int) {
	x.postings.mu.Lock()
	defer x.postings.mu.Unlock()
	old, x.postings.limit = x.postings.limit, limit
	return old
}

// EmptyCache waits for x's background decoding and empties its cache.
func EmptyCache(x *Index) {
	x.postings.fills.Wait()
	x.postings.mu.Lock()
	defer x.postings.mu.Unlock()
	x.postings.reset(nil)
}

// AccumulatorsZero reports whether an accumulator taken from the pool,
// most likely the one last put back, is all zero.
func AccumulatorsZero() bool {
	a := accumulators.Get().(*accumulator)
	defer accumulators.Put(a)
	for _, v := range a.sums {
		if v != 0 {
			return false
		}
	}
	for _, w := range a.body {
		if w != 0 {
			return false
		}
	}
	return true
}

// SetListThresholds sets the shortest list kept decoded and the shortest
// read through bleve when not kept, and returns a function restoring them.
func SetListThresholds(cacheMin, streamMin uint64) (restore func()) {
	c, s := cacheMinDocs, streamMinDocs
	cacheMinDocs, streamMinDocs = cacheMin, streamMin
	return func() { cacheMinDocs, streamMinDocs = c, s }
}

// CorrectedWords is how many words x keeps the corrections of.
func CorrectedWords(x *Index) int {
	x.postings.mu.Lock()
	defer x.postings.mu.Unlock()
	return len(x.postings.words)
}

// SetAccumulateMax sets the most postings a search accumulates (0: none
// does, every search is pruned by run), and returns a function restoring
// it.
func SetAccumulateMax(postings int) (restore func()) {
	old := accumulateMaxPostings
	accumulateMaxPostings = postings
	return func() { accumulateMaxPostings = old }
}
