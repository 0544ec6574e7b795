package bleveindex

// accumulate.go scores a search whose lists are decoded and short in all
// by adding every posting's leaf into an array by section, list after
// list, instead of walking the lists side by side (score.go's run).
//
// Profiling SciFact's claims (5,183 abstracts, about 26 lists a claim)
// showed two fifths of a search in run: MaxScore prunes little when every
// term of a long question is rare enough to matter, and each of its
// 1,800 rounds a claim compared about 19 essential lists twice, where
// the claim's postings numbered a few thousand in all. Adding a posting
// into an array costs a multiplication and an addition, so when the
// postings are few, visiting every one is cheaper than deciding which to
// skip.
//
// The result is the same as run's, bit for bit: lists are added in
// clause order, each section's sum starting from zero, as run's
// candidate sums its leaves; a section enters the top k only when it
// holds a body term and no other server's; sections are offered to the
// top k in increasing order, so other servers' postings only move
// forwards. Which query terms a held section matched is read afterwards,
// by looking the few held sections up in each list.

import (
	"context"
	"math/bits"
	"slices"
	"sync"
)

// Variables so that tests can move them.
var (
	// accumulateMaxPostings is the most postings, over all its lists, a
	// search accumulates; one with more is pruned by run, whose cost
	// follows the lists it cannot skip rather than all of them. Timed
	// both ways per question, accumulating was faster below 2^15 postings
	// on every corpus (1,000 to 100,000 generated passages, SciFact,
	// whose claims all fall below); the two broke even near 2^15 on
	// 10,000 passages and near 2^17 on 100,000.
	accumulateMaxPostings = 1 << 15
	// accumulateMaxSections bounds the array a search accumulates into
	// (8 bytes a section; sections are numbered up to the snapshot's
	// count, deleted ones included). The arrays are kept between searches
	// only while the collector lets the pool keep them, so a larger
	// corpus would allocate megabytes a search after each collection; the
	// bound is the largest corpus measured (100,000 passages) rounded up.
	accumulateMaxSections = 1 << 17
)

// accumulator is the scratch of one accumulating search, kept between
// searches: its arrays are all zero when it is put back.
type accumulator struct {
	sums []float64 // by section
	body []uint64  // bit per section: some body list holds it
}

var accumulators = sync.Pool{New: func() any { return new(accumulator) }}

// accumulates reports whether the search is scored by accumulate (every
// list decoded, their postings few, their sections numbered within bound)
// and if so, how many sections the array must hold.
func (s *scorer) accumulates() (sections int, ok bool) {
	total := 0
	for _, p := range s.lists {
		if p.tfr != nil {
			return 0, false
		}
		total += len(p.docs)
		if n := len(p.docs); n > 0 {
			sections = max(sections, int(p.docs[n-1])+1)
		}
	}
	return sections, total <= accumulateMaxPostings && sections <= accumulateMaxSections
}

// accumulate fills the top k from lists that are all decoded, in sections
// numbered below sections.
func (s *scorer) accumulate(ctx context.Context, sections int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	lists := slices.Clone(s.lists)
	slices.SortFunc(lists, func(a, b *postingList) int { return a.index - b.index })
	// Put back only once zeroed below: not deferred, so that arrays a
	// panic left summed (the bot recovers from panics in a search) are
	// dropped rather than added onto by the next search.
	a := accumulators.Get().(*accumulator)
	if len(a.sums) < sections {
		a.sums = make([]float64, sections)
		a.body = make([]uint64, (sections+63)/64)
	}
	sums, body := a.sums[:sections], a.body[:(sections+63)/64]
	for _, p := range lists {
		w, base := p.weight, p.base[:len(p.docs)]
		for j, d := range p.docs {
			// The conversion rounds the product before the sum, as run's
			// leaves are: without it some processors fuse the two
			// (arm64's FMADDD) and the last bits differ.
			sums[d] += float64(w * base[j])
		}
		if !p.question {
			for _, d := range p.docs {
				body[d>>6] |= 1 << (d & 63)
			}
		}
	}

	var err error
	for wi, word := range body {
		for ; word != 0 && err == nil; word &= word - 1 {
			doc := uint64(wi<<6 | bits.TrailingZeros64(word))
			h := hit{doc: doc, score: sums[doc]}
			if h.score < s.threshold() || len(s.top) == s.limit && !s.better(&h, &s.top[0]) {
				continue
			}
			var excluded bool
			if excluded, err = s.excluded(doc); err == nil && !excluded {
				s.insert(h)
			}
		}
	}

	// Back to zero for the next search.
	for _, p := range lists {
		for _, d := range p.docs {
			sums[d] = 0
		}
	}
	clear(body)
	accumulators.Put(a)
	if err != nil {
		return err
	}

	for i := range s.top {
		h := &s.top[i]
		for _, p := range lists {
			if _, ok := slices.BinarySearch(p.docs, uint32(h.doc)); ok {
				h.terms |= 1 << uint(p.termIndex)
			}
		}
	}
	return nil
}
