package bleveindex

// score.go ranks sections by reading postings directly instead of through
// bleve's searcher tree.
//
// The query Search used to hand bleve is a boolean query: must be one
// disjunction of term queries on the body fields, should be a disjunction
// of the same terms on the question fields, and must-not the server terms
// of other servers. bleve evaluates it document at a time through five
// layers of searchers, allocating and comparing a DocumentMatch per
// posting, and visits every posting of every term, however common. Most
// of a search's time went there (pprof: the searcher tree ~3/4 of a query,
// reading the postings themselves ~1/4).
//
// topK computes the same scores, in the same arithmetic, from the same
// postings (IndexReader.TermFieldReader with frequencies and norms):
//
//	leaf(t, d)  = idf(t) · tf·k1 / (tf + k1·(1 − b + b·len(d)/avg)) · boost(t)·idf(t)·queryNorm
//	body(d)     = Σ body leaves of d · (body terms d holds / body terms)        (bleve's coord)
//	question(d) = Σ question leaves of d · (question terms d holds / question terms)
//	score(d)    = body(d) + question(d), for d holding at least one body term
//
// with tf the square root of the frequency, len(d) the field length from
// the stored norm, avg bleve's rounded-up average, queryNorm one over the
// root of Σ (boost·idf)² over all scoring clauses, and sums taken in the
// order bleve's disjunction takes them, so that scores are bit for bit
// bleve's where it sums in that order (up to ten clauses per disjunction;
// beyond, bleve's heap order differs in the last bits). Ties are broken by
// section id, as the search request's sort did.
//
// It is faster for two reasons. It has no searcher tree: a posting costs a
// few arithmetic operations. And it uses MaxScore (Turtle and Flood 1995):
// a list's leaves never exceed its bound — its largest leaf when the list
// is decoded (postings.go), else idf·k1·boost·idf·queryNorm — so once ten
// sections are held, the lists whose bounds together cannot lift a section
// above the tenth are not walked; they are only advanced to the sections
// that the other lists propose, and not even that when a section's partial
// score plus the bounds left cannot reach the tenth. Terms most sections
// hold have small bounds (their idf is small and counts twice), so their
// long postings are mostly skipped. The result is exact: a section is left
// out only when its score provably falls below the tenth.
//
// Sections of other servers are left out as bleve's must-not did, by
// advancing those servers' postings to each section about to enter the top
// k. Which query terms each returned section holds falls out of scoring,
// where matchedTerms walked the postings again.

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/verbatimbot/verbatim/internal/answer"
)

// clause is one scoring term query: term in field, with a boost.
type clause struct {
	field, term string
	boost       float64
	termIndex   int  // index into Result.Terms
	question    bool // in the should disjunction (question fields), else the must one (body fields)
}

// postingList is a clause's postings being walked: decoded (docs and
// base), or, for a long list not decoded yet, read from bleve (tfr).
type postingList struct {
	clause
	docs  []uint32  // section numbers, increasing
	base  []float64 // leaves before the query weight
	pos   int       // current posting
	tfr   index.TermFieldReader
	tfd   index.TermFieldDoc
	doc   uint64 // current section number; valid unless done
	done  bool
	count uint64 // postings
	idf   float64
	avg   float64 // bleve's average field length
	qw    float64 // boost·idf·queryNorm
	bound float64 // no section scores more than this from this list
	order int     // position in its disjunction's summation order
}

func (p *postingList) set(i int) {
	p.pos = i
	if i >= len(p.docs) {
		p.done = true
		return
	}
	p.doc = uint64(p.docs[i])
}

func (p *postingList) next() error {
	if p.tfr == nil {
		p.set(p.pos + 1)
		return nil
	}
	tfd, err := p.tfr.Next(&p.tfd)
	if err != nil {
		return err
	}
	if tfd == nil {
		p.done = true
		return nil
	}
	p.doc = tfd.ID.Value()
	return nil
}

// advance moves the list to the first section at or after doc: in a
// decoded list by galloping from the current posting, else through the
// reader, which it never asks for a section at or before its current one
// (scorch restarts the postings from the beginning then).
func (p *postingList) advance(doc uint64, buf index.IndexInternalID) error {
	if p.done || p.doc >= doc {
		return nil
	}
	if p.tfr != nil {
		tfd, err := p.tfr.Advance(index.NewIndexInternalID(buf, doc), &p.tfd)
		if err != nil {
			return err
		}
		if tfd == nil {
			p.done = true
			return nil
		}
		p.doc = tfd.ID.Value()
		return nil
	}
	docs, n := p.docs, len(p.docs)
	lo, i, step := p.pos, p.pos+1, 1 // docs[lo] < doc
	for i < n && uint64(docs[i]) < doc {
		lo = i
		i += step
		step <<= 1
	}
	hi := min(i, n-1)
	// The first at or after doc is in (lo, hi], or there is none.
	j, _ := slices.BinarySearch(docs[lo+1:hi+1], uint32(min(doc, math.MaxUint32)))
	p.set(lo + 1 + j)
	return nil
}

// leaf is the list's score for its current posting, as bleve's
// TermQueryScorer computes it.
func (p *postingList) leaf() float64 {
	var score float64
	if p.tfr != nil {
		score = baseLeaf(p.idf, p.avg, p.tfd.Freq, p.tfd.Norm)
	} else {
		score = p.base[p.pos]
	}
	if p.qw != 1.0 {
		score *= p.qw
	}
	return score
}

// excludeList is another server's postings, without frequencies: zapx
// skips in those.
type excludeList struct {
	tfr  index.TermFieldReader
	tfd  index.TermFieldDoc
	doc  uint64
	done bool
}

func (p *excludeList) next() error {
	tfd, err := p.tfr.Next(&p.tfd)
	if err != nil {
		return err
	}
	if tfd == nil {
		p.done = true
		return nil
	}
	p.doc = tfd.ID.Value()
	return nil
}

// advance moves the list to the first section at or after doc. It never
// calls the reader's Advance for a section at or before its current one:
// scorch restarts the postings from the beginning then.
func (p *excludeList) advance(doc uint64, buf index.IndexInternalID) error {
	if p.done || p.doc >= doc {
		return nil
	}
	tfd, err := p.tfr.Advance(index.NewIndexInternalID(buf, doc), &p.tfd)
	if err != nil {
		return err
	}
	if tfd == nil {
		p.done = true
		return nil
	}
	p.doc = tfd.ID.Value()
	return nil
}

// hit is a section in the top k.
type hit struct {
	doc   uint64
	score float64
	terms uint64 // bit i: the section holds query term i
	id    string // external id, read when needed
}

// topK returns the limit best sections for clauses, best first, leaving
// out those holding a server term of others. bm25 has the corpus figures
// bleve would use; cache keeps decoded postings between searches. It also
// returns the long lists the cache lacked, for the caller to have decoded.
func topK(ctx context.Context, r index.IndexReader, cache *postingsCache, bm25 *search.BM25Stats, clauses []clause, others []string, limit int) ([]hit, []missed, error) {
	s := scorer{r: r, limit: limit}
	defer s.close()
	if err := s.open(ctx, cache, bm25, clauses, others); err != nil {
		return nil, nil, err
	}
	if err := s.run(ctx); err != nil {
		return nil, nil, err
	}
	hits, err := s.results()
	return hits, s.missed, err
}

type scorer struct {
	r      index.IndexReader
	limit  int
	lists  []*postingList // by bound, smallest first
	nBody  int            // clauses of each disjunction, for the coord factor
	nQuest int
	// prefix[i] sums the bounds and counts the lists of each disjunction
	// among lists[:i+1].
	prefix []prefixBound
	// sumBody and sumQuest are the lists of each disjunction in bleve's
	// summation order.
	sumBody, sumQuest []*postingList
	exclude           []*excludeList // other servers' postings
	missed            []missed       // long lists the cache lacked
	top               topHeap
	buf               index.IndexInternalID
}

type prefixBound struct {
	body, quest   float64
	nBody, nQuest int
}

func (s *scorer) close() {
	for _, p := range s.lists {
		if p.tfr != nil {
			_ = p.tfr.Close()
		}
	}
	for _, p := range s.exclude {
		_ = p.tfr.Close()
	}
}

func (s *scorer) open(ctx context.Context, cache *postingsCache, bm25 *search.BM25Stats, clauses []clause, others []string) error {
	n := bm25.DocCount
	sumSquares := 0.0
	for _, c := range clauses {
		card, ok := bm25.FieldCardinality[c.field]
		if !ok {
			return fmt.Errorf("field stat for bm25 not present %s", c.field)
		}
		avg := math.Ceil(float64(card) / n)
		p := &postingList{clause: c, avg: avg}
		s.lists = append(s.lists, p)
		if err := s.postings(ctx, cache, p, n); err != nil {
			return err
		}
		w := c.boost * p.idf
		sumSquares += w * w
		if c.question {
			s.nQuest++
			s.sumQuest = append(s.sumQuest, p)
		} else {
			s.nBody++
			s.sumBody = append(s.sumBody, p)
		}
	}
	norm := 1.0 / math.Sqrt(sumSquares)
	for _, p := range s.lists {
		p.qw = p.boost * p.idf * norm
		if p.tfr != nil {
			// The leaf's tf·k1/(tf + k1·…) stays below k1.
			p.bound = p.idf * search.BM25_k1
			if err := p.next(); err != nil {
				return err
			}
		} else {
			p.set(0)
		}
		// p.bound is the largest leaf before the query weight; the margin
		// covers the rounding of sums, so a bound never falls below a
		// score.
		p.bound *= p.qw * (1 + 1e-9)
	}
	// bleve's disjunction sorts its searchers by postings count (sort.Sort,
	// whose permutation is deterministic) and sums in that order.
	sort.Sort(byCount(s.sumBody))
	sort.Sort(byCount(s.sumQuest))
	for i, p := range s.sumBody {
		p.order = i
	}
	for i, p := range s.sumQuest {
		p.order = i
	}
	slices.SortStableFunc(s.lists, func(a, b *postingList) int {
		return cmpFloat(a.bound, b.bound)
	})
	var acc prefixBound
	for _, p := range s.lists {
		if p.question {
			acc.quest += p.bound
			acc.nQuest++
		} else {
			acc.body += p.bound
			acc.nBody++
		}
		s.prefix = append(s.prefix, acc)
	}
	for _, server := range others {
		tfr, err := s.r.TermFieldReader(ctx, []byte(server), fieldServer, false, false, false)
		if err != nil {
			return fmt.Errorf("read server %q: %w", server, err)
		}
		p := &excludeList{tfr: tfr}
		s.exclude = append(s.exclude, p)
		if err := p.next(); err != nil {
			return err
		}
	}
	return nil
}

// postings sets up p's postings: decoded, from the cache or read now, or
// for a long list not in the cache, read as the search goes (the cache is
// filled after the search, in the background: decoding a long list costs
// more than searching it).
func (s *scorer) postings(ctx context.Context, cache *postingsCache, p *postingList, n float64) error {
	tfr, err := s.r.TermFieldReader(ctx, []byte(p.term), p.field, true, true, false)
	if err != nil {
		return fmt.Errorf("read term %q: %w", p.term, err)
	}
	p.count = tfr.Count()
	p.idf = math.Log(1 + (n-float64(p.count)+0.5)/(float64(p.count)+0.5))
	k := cacheKey{p.field, p.term}
	var d *decoded
	if p.count >= cacheMinDocs {
		d = cache.get(s.r, k, p.idf, p.avg, p.count)
	}
	if d == nil && p.count >= streamMinDocs {
		p.tfr = tfr
		s.missed = append(s.missed, missed{k, n, p.avg})
		return nil
	}
	if d == nil {
		d, err = decode(ctx, tfr, p.count, p.idf, p.avg)
		if err != nil {
			_ = tfr.Close()
			return fmt.Errorf("read term %q: %w", p.term, err)
		}
		if p.count >= cacheMinDocs {
			cache.put(s.r, k, d)
		}
	}
	_ = tfr.Close()
	p.docs, p.base, p.bound = d.docs, d.base, d.max
	return nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// byCount is bleve's OrderedSearcherList order.
type byCount []*postingList

func (l byCount) Len() int           { return len(l) }
func (l byCount) Less(i, j int) bool { return l[i].count < l[j].count }
func (l byCount) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }

// upper bounds the final score of a section whose lists so far gave the
// partial sums and counts, if it also matched every list of lists[:i+1].
func (s *scorer) upper(body, quest float64, mBody, mQuest, i int) float64 {
	if i >= 0 {
		p := s.prefix[i]
		body += p.body
		quest += p.quest
		mBody += p.nBody
		mQuest += p.nQuest
	}
	u := 0.0
	if s.nBody > 0 {
		u += body * float64(mBody) / float64(s.nBody)
	}
	if s.nQuest > 0 {
		u += quest * float64(mQuest) / float64(s.nQuest)
	}
	return u
}

// threshold is the score a section must reach to enter the top k, or -Inf
// while it holds fewer.
func (s *scorer) threshold() float64 {
	if len(s.top) < s.limit {
		return math.Inf(-1)
	}
	return s.top[0].score
}

func (s *scorer) run(ctx context.Context) error {
	n := len(s.lists)
	// Lists [0, pivot) are non-essential: a section in them alone cannot
	// enter the top k.
	pivot := 0
	var c candidate
	c.body = make([]float64, len(s.sumBody))
	c.quest = make([]float64, len(s.sumQuest))
	c.inBody = make([]bool, len(s.sumBody))
	c.inQuest = make([]bool, len(s.sumQuest))
	for round := 0; ; round++ {
		if round&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		theta := s.threshold()
		for pivot < n && s.upper(0, 0, 0, 0, pivot) < theta {
			pivot++
		}
		if pivot == n {
			return nil
		}
		// The next candidate is the smallest section in an essential list.
		doc, found := uint64(math.MaxUint64), false
		for _, p := range s.lists[pivot:] {
			if !p.done && p.doc <= doc {
				doc, found = p.doc, true
			}
		}
		if !found {
			return nil
		}
		c.reset()
		for _, p := range s.lists[pivot:] {
			if !p.done && p.doc == doc {
				c.add(p)
				if err := p.next(); err != nil {
					return err
				}
			}
		}
		pruned := false
		for i := pivot - 1; i >= 0; i-- {
			if s.upper(c.sBody, c.sQuest, c.mBody, c.mQuest, i) < theta {
				pruned = true
				break
			}
			p := s.lists[i]
			if err := p.advance(doc, s.buf); err != nil {
				return err
			}
			if !p.done && p.doc == doc {
				c.add(p)
			}
		}
		if pruned || c.mBody == 0 {
			continue // cannot make the top k, or holds no body term (must)
		}
		// The exact score, summed as bleve sums it.
		total := disjunction(c.body, c.inBody, s.nBody)
		if c.mQuest > 0 {
			total += disjunction(c.quest, c.inQuest, s.nQuest)
		}
		if total < theta {
			continue
		}
		h := hit{doc: doc, score: total, terms: c.terms}
		if len(s.top) == s.limit && !s.better(&h, &s.top[0]) {
			continue
		}
		excluded, err := s.excluded(doc)
		if err != nil {
			return err
		}
		if excluded {
			continue
		}
		s.insert(h)
	}
}

// candidate is the section being scored: each disjunction's leaves by
// summation order, which matched, partial sums and counts.
type candidate struct {
	body, quest     []float64
	inBody, inQuest []bool
	sBody, sQuest   float64
	mBody, mQuest   int
	terms           uint64
}

func (c *candidate) reset() {
	clear(c.inBody)
	clear(c.inQuest)
	c.sBody, c.sQuest, c.mBody, c.mQuest, c.terms = 0, 0, 0, 0, 0
}

func (c *candidate) add(p *postingList) {
	v := p.leaf()
	c.terms |= 1 << uint(p.termIndex)
	if p.question {
		c.quest[p.order], c.inQuest[p.order] = v, true
		c.sQuest += v
		c.mQuest++
	} else {
		c.body[p.order], c.inBody[p.order] = v, true
		c.sBody += v
		c.mBody++
	}
}

// disjunction is bleve's disjunction score: the matched leaves summed in
// its order, times the share of clauses matched.
func disjunction(vals []float64, matched []bool, total int) float64 {
	sum, count := 0.0, 0
	for i, v := range vals {
		if matched[i] {
			sum += v
			count++
		}
	}
	if count == 0 {
		return 0
	}
	return sum * (float64(count) / float64(total))
}

// insert adds h to the top k, pushing out the worst when it is full. Ids
// decide between equal scores; they are read only for such ties, and for
// every held hit that ties with another, so the heap's order is sound.
func (s *scorer) insert(h hit) {
	for i := range s.top {
		if s.top[i].score == h.score {
			s.id(&s.top[i])
			s.id(&h)
		}
	}
	if len(s.top) == s.limit {
		s.top[0] = h
		heap.Fix(&s.top, 0)
		return
	}
	heap.Push(&s.top, h)
}

// excluded reports whether doc holds another server's term. Candidates
// come in increasing order, so the server postings only move forwards.
func (s *scorer) excluded(doc uint64) (bool, error) {
	for _, p := range s.exclude {
		if err := p.advance(doc, s.buf); err != nil {
			return false, err
		}
		if !p.done && p.doc == doc {
			return true, nil
		}
	}
	return false, nil
}

// better reports whether a ranks before b: higher score, or the same score
// and a smaller section id, as the search request's sort had it.
func (s *scorer) better(a, b *hit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return s.id(a) < s.id(b)
}

func (s *scorer) id(h *hit) string {
	if h.id == "" {
		id, err := s.r.ExternalID(index.NewIndexInternalID(nil, h.doc))
		if err == nil {
			h.id = id
		}
	}
	return h.id
}

// results empties the heap, best first.
func (s *scorer) results() ([]hit, error) {
	out := make([]hit, len(s.top))
	for i := range s.top {
		s.id(&s.top[i])
	}
	copy(out, s.top)
	slices.SortFunc(out, func(a, b hit) int {
		if a.score != b.score {
			return cmpFloat(b.score, a.score)
		}
		return cmpString(a.id, b.id)
	})
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// topHeap is a min-heap of the top k: its root is the worst held.
type topHeap []hit

func (h topHeap) Len() int { return len(h) }
func (h topHeap) Less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score < h[j].score
	}
	// Equal scores: the larger id is worse. Ids are read lazily, only for
	// ties, where they decide.
	return h[i].id > h[j].id
}
func (h topHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *topHeap) Push(x any)   { *h = append(*h, x.(hit)) }
func (h *topHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// matchesOf turns hits into the answerer's matches, with the terms each
// holds.
func matchesOf(hits []hit, terms []answer.Term) []answer.Match {
	var out []answer.Match
	for _, h := range hits {
		ref, ok := parseRef(h.id)
		if !ok {
			continue
		}
		m := answer.Match{Ref: ref, Score: h.score}
		for ti := range terms {
			if h.terms&(1<<uint(ti)) != 0 {
				m.Terms = append(m.Terms, ti)
				m.Lang = terms[ti].Lang
			}
		}
		out = append(out, m)
	}
	return out
}
