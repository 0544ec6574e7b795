package bleveindex

// score.go ranks sections by BM25, reading postings directly.
//
// A section's score for a question is
//
//	score(d) = Σ_t w_t · [ idf_body(t)·sat(tf_body, len_body) + QuestionBoost · idf_question(t)·sat(tf_question, len_question) ]
//	         + Σ_u w_u · ExactBoost · idf_plain(u)·sat(tf_plain, len_plain)
//
// over the question's terms t and its words as typed u (lower case, accents
// folded, unstemmed; those whose term some section holds), with
//
//	w_t        the term's language fit (languageFit), times CorrectedBoost for a spelling correction
//	w_u        the best language fit among the terms u gave
//	idf_f(t)   ln(1 + (N − df + 0.5)/(df + 0.5)), df the sections holding t in field f, N the sections of t's language
//	           (for the plain field, which holds every language's body, all sections)
//	sat(tf, l) √tf·(k1+1) / (√tf + k1·(1 − b + b·l/avg_f)), avg_f the true average length of f over those sections
//
// and field lengths read from bleve's norms (1/√length). This is textbook
// BM25 (Robertson and Zaragoza 2009) over two fields, the question field
// weighted QuestionBoost, plus the unstemmed body, weighted ExactBoost, so
// that a section holding the very word asked ranks above one holding only
// another word of the same stem. It is not bleve's BM25, which counts a term's
// idf twice (query weight times document weight), multiplies each
// disjunction by the share of its clauses a section matches, and divides
// by a query norm: on SciFact and StackFAQ bleve's ranked worse
// (BENCHMARKS.md). A section is found when it holds a question term in
// its body (which holds its question too); sections of other servers are
// left out. Ties are broken by section id.
//
// Each (term, field) is a clause whose postings give a leaf per section
// holding the term. The search has no searcher tree: a posting costs a
// few arithmetic operations. And it uses MaxScore (Turtle and Flood 1995):
// a list's leaves never exceed its bound — its largest leaf when the list
// is decoded (postings.go), else weight·idf·(k1+1), which √tf·(k1+1)/(√tf +
// …) stays below — so once limit sections are held, the lists whose bounds
// together cannot lift a section above the last held are not walked; they
// are only advanced to the sections that the other lists propose, and not
// even that when a section's partial score plus the bounds left cannot
// reach the last held. Terms most sections hold have small bounds, so
// their long postings are mostly skipped. The result is exact: a section
// is left out only when its score provably falls below the last held. A
// section's leaves are summed in clause order whichever lists found them,
// so its score does not depend on the pruning.
//
// A search whose lists are all decoded and hold few postings in all is
// scored by accumulation instead (accumulate.go), with the same result.
//
// Sections of other servers are left out by advancing those servers'
// postings to each section about to enter the top k. Which query terms
// each returned section holds falls out of scoring (accumulate looks them
// up for the sections it returns).

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"

	index "github.com/blevesearch/bleve_index_api"

	"github.com/verbatimbot/verbatim/internal/answer"
)

// clause is one term in one field, with its weight and the figures of the
// sections of its language.
type clause struct {
	field, term string
	weight      float64 // w_t, times QuestionBoost in a question field
	n           float64 // sections of the term's language
	avg         float64 // average length of field over those sections
	termIndex   int     // index into Result.Terms
	question    bool    // a question field, else a body field
}

// cursor walks postings read through bleve. It never asks the reader for a
// section at or before its current one: scorch restarts the postings from
// the beginning then.
type cursor struct {
	tfr  index.TermFieldReader
	tfd  index.TermFieldDoc
	doc  uint64 // current section number; valid unless done
	done bool
}

func (c *cursor) next() error { return c.at(c.tfr.Next(&c.tfd)) }

// advance moves the cursor to the first section at or after doc.
func (c *cursor) advance(doc uint64, buf index.IndexInternalID) error {
	if c.done || c.doc >= doc {
		return nil
	}
	return c.at(c.tfr.Advance(index.NewIndexInternalID(buf, doc), &c.tfd))
}

// at moves the cursor to what Next or Advance read: a posting, or none
// (the list is done).
func (c *cursor) at(tfd *index.TermFieldDoc, err error) error {
	if err != nil {
		return err
	}
	if tfd == nil {
		c.done = true
		return nil
	}
	c.doc = tfd.ID.Value()
	return nil
}

// postingList is a clause's postings being walked: decoded (docs and
// base), or, for a long list not decoded yet, read from bleve (the cursor's
// tfr set).
type postingList struct {
	clause
	cursor
	index int       // of the clause, the order leaves are summed in
	docs  []uint32  // section numbers, increasing
	base  []float64 // leaves before the weight: idf·sat
	pos   int       // current posting
	count uint64    // postings
	idf   float64
	bound float64 // no section scores more than this from this list
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
	if p.tfr != nil {
		return p.cursor.next()
	}
	p.set(p.pos + 1)
	return nil
}

// advance moves the list to the first section at or after doc: in a
// decoded list by galloping from the current posting, else through the
// reader, which it never asks for a section at or before its current one
// (scorch restarts the postings from the beginning then).
func (p *postingList) advance(doc uint64, buf index.IndexInternalID) error {
	if p.tfr != nil {
		return p.cursor.advance(doc, buf)
	}
	if p.done || p.doc >= doc {
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

// leaf is the list's score for its current posting.
func (p *postingList) leaf() float64 {
	if p.tfr != nil {
		return p.weight * baseLeaf(p.idf, p.avg, p.tfd.Freq, p.tfd.Norm)
	}
	return p.weight * p.base[p.pos]
}

// excludeList is another server's postings, read without frequencies:
// zapx skips in those.
type excludeList = cursor

// hit is a section in the top k.
type hit struct {
	doc   uint64
	score float64
	terms uint64 // bit i: the section holds query term i
	id    string // external id, read when needed
}

// topK returns the limit best sections for clauses, best first, leaving
// out those holding a server term of others; cache keeps decoded postings
// between searches. It also returns the long lists the cache lacked, for
// the caller to have decoded.
func topK(ctx context.Context, r index.IndexReader, cache *postingsCache, clauses []clause, others []string, limit int) ([]hit, []missed, error) {
	s := scorer{r: r, limit: limit}
	defer s.close()
	if err := s.open(ctx, cache, clauses, others); err != nil {
		return nil, nil, err
	}
	var err error
	if sections, ok := s.accumulates(); ok {
		err = s.accumulate(ctx, sections) // accumulate.go
	} else {
		err = s.run(ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	hits, err := s.results()
	return hits, s.missed, err
}

type scorer struct {
	r     index.IndexReader
	limit int
	lists []*postingList // by bound, smallest first
	// prefix[i] sums the bounds of lists[:i+1].
	prefix  []float64
	exclude []*excludeList // other servers' postings
	missed  []missed       // long lists the cache lacked
	top     topHeap
	buf     index.IndexInternalID
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

func (s *scorer) open(ctx context.Context, cache *postingsCache, clauses []clause, others []string) error {
	lists := make([]postingList, len(clauses)) // one allocation for them all
	for i, c := range clauses {
		if c.weight <= 0 || c.avg <= 0 {
			continue // scores nothing: no weight, or an empty field
		}
		p := &lists[i]
		*p = postingList{clause: c, index: i}
		if err := s.postings(ctx, cache, p); err != nil {
			return err
		}
		if p.count == 0 {
			if p.tfr != nil {
				_ = p.tfr.Close()
			}
			continue
		}
		s.lists = append(s.lists, p)
		if p.tfr != nil {
			// √tf·(k1+1)/(√tf + k1·…) stays below k1+1.
			p.bound = p.idf * (bm25K1 + 1)
			if err := p.next(); err != nil {
				return err
			}
		} else {
			p.set(0)
		}
		// p.bound is the largest leaf before the weight; the margin covers
		// the rounding of sums, so a bound never falls below a score.
		p.bound *= p.weight * (1 + 1e-9)
	}
	slices.SortStableFunc(s.lists, func(a, b *postingList) int {
		return cmp.Compare(a.bound, b.bound)
	})
	acc := 0.0
	for _, p := range s.lists {
		acc += p.bound
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
func (s *scorer) postings(ctx context.Context, cache *postingsCache, p *postingList) error {
	k := cacheKey{p.field, p.term}
	if d := cache.get(s.r, k, p.n, p.avg); d != nil {
		// Kept for this snapshot: bleve is not asked at all.
		p.count, p.idf = d.count, d.idf
		p.docs, p.base, p.bound = d.docs, d.base, d.max
		return nil
	}
	tfr, err := s.r.TermFieldReader(ctx, []byte(p.term), p.field, true, true, false)
	if err != nil {
		return fmt.Errorf("read term %q: %w", p.term, err)
	}
	p.count = tfr.Count()
	p.idf = idf(p.n, p.count)
	if p.count >= streamMinDocs {
		p.tfr = tfr
		s.missed = append(s.missed, missed{k, p.n, p.avg})
		return nil
	}
	d, err := decode(ctx, tfr, p.count, p.idf, p.avg)
	_ = tfr.Close()
	if err != nil {
		return fmt.Errorf("read term %q: %w", p.term, err)
	}
	if p.count >= cacheMinDocs {
		cache.put(s.r, k, d)
	}
	p.docs, p.base, p.bound = d.docs, d.base, d.max
	return nil
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
	maxIndex := 0
	for _, p := range s.lists {
		maxIndex = max(maxIndex, p.index+1)
	}
	c.leaves = make([]float64, maxIndex)
	c.in = make([]bool, maxIndex)
	for round := 0; ; round++ {
		if round&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		theta := s.threshold()
		// Bounds are compared with a threshold a little lower, so that
		// the rounding of partial sums never prunes a section that ties.
		lower := theta - math.Abs(theta)*1e-12
		for pivot < n && s.prefix[pivot] < lower {
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
			if c.partial+s.prefix[i] < lower {
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
		if pruned || !c.body {
			continue // cannot make the top k, or holds no body term
		}
		total := c.score()
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

// candidate is the section being scored: its leaves by clause, which
// clauses it matched, and their partial sum.
type candidate struct {
	leaves  []float64
	in      []bool
	partial float64
	body    bool // holds a term in a body field
	terms   uint64
}

func (c *candidate) reset() {
	clear(c.in)
	c.partial, c.body, c.terms = 0, false, 0
}

func (c *candidate) add(p *postingList) {
	v := p.leaf()
	c.leaves[p.index], c.in[p.index] = v, true
	c.partial += v
	c.body = c.body || !p.question
	c.terms |= 1 << uint(p.termIndex)
}

// score is the section's score: its leaves summed in clause order, so that
// it is the same whichever lists found them.
func (c *candidate) score() float64 {
	sum := 0.0
	for i, v := range c.leaves {
		if c.in[i] {
			sum += v
		}
	}
	return sum
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
			return cmp.Compare(b.score, a.score)
		}
		return cmp.Compare(a.id, b.id)
	})
	return out, nil
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
