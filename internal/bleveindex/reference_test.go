package bleveindex

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	index "github.com/blevesearch/bleve_index_api"

	"github.com/verbatimbot/verbatim/internal/answer"
)

// SearchReference is Search with the scoring of score.go done the plain
// way, for tests to compare with: every posting of every term read through
// bleve, each section's score summed from the formula, no bounds, no
// pruning, no decoded lists. The question is read by prepare, as Search
// reads it: this checks scoring, not analysis.
func SearchReference(ctx context.Context, x *Index, q answer.Query) (answer.Result, error) {
	p, err := x.prepare(ctx, q)
	if err != nil {
		return answer.Result{}, err
	}
	defer p.r.Close()
	cs, r, langs, terms, typed, limit := p.cs, p.r, p.langs, p.terms, p.typed, p.limit
	res := answer.Result{Terms: terms}
	if len(terms) == 0 {
		return res, nil
	}

	type section struct {
		score float64
		body  bool
		terms []int
	}
	sections := map[uint64]*section{}
	k1, b := bm25K1, bm25B
	// score adds term's BM25 in field, over n sections of average length
	// avg, weighted w, to every section holding it.
	score := func(term, field string, w, n, avg float64, ti int, body bool) error {
		if w <= 0 || avg <= 0 {
			return nil
		}
		tfr, err := r.TermFieldReader(ctx, []byte(term), field, true, true, false)
		if err != nil {
			return err
		}
		defer tfr.Close()
		df := float64(tfr.Count())
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for {
			tfd, err := tfr.Next(nil)
			if err != nil {
				return err
			}
			if tfd == nil {
				return nil
			}
			tf := math.Sqrt(float64(tfd.Freq))
			length := 1 / (tfd.Norm * tfd.Norm)
			sat := tf * (k1 + 1) / (tf + k1*(1-b+b*length/avg))
			s := sections[tfd.ID.Value()]
			if s == nil {
				s = &section{}
				sections[tfd.ID.Value()] = s
			}
			s.score += w * idf * sat
			s.body = s.body || body
			if !slices.Contains(s.terms, ti) {
				s.terms = append(s.terms, ti)
			}
		}
	}
	fit := languageFit(terms, langs)
	for ti, t := range terms {
		l := languageOf(t.Lang)
		w := fit[l.code]
		if t.Corrected {
			w *= x.tuning.CorrectedBoost
		}
		n := float64(cs.counts[l.code])
		if err := score(t.Text, l.body, w, n, float64(cs.tokens[l.body])/n, ti, true); err != nil {
			return answer.Result{}, err
		}
		if err := score(t.Text, l.question, w*x.tuning.QuestionBoost, n, float64(cs.tokens[l.question])/n, ti, false); err != nil {
			return answer.Result{}, err
		}
	}
	// Each word as typed once, in the plain field over every section,
	// weighted by the best fit of the languages it gave a term in.
	type exact struct {
		w  float64
		ti int
	}
	words := map[string]exact{}
	var order []string
	for _, tw := range typed {
		w := fit[languageOf(terms[tw.term].Lang).code] * x.tuning.ExactBoost
		e, ok := words[tw.word]
		if !ok {
			order = append(order, tw.word)
		}
		if !ok || w > e.w {
			words[tw.word] = exact{w, tw.term}
		}
	}
	n := float64(cs.sections)
	for _, word := range order {
		e := words[word]
		if err := score(word, fieldPlain, e.w, n, float64(cs.tokens[fieldPlain])/n, e.ti, true); err != nil {
			return answer.Result{}, err
		}
	}
	for _, server := range cs.others {
		tfr, err := r.TermFieldReader(ctx, []byte(server), fieldServer, false, false, false)
		if err != nil {
			return answer.Result{}, err
		}
		for {
			tfd, err := tfr.Next(nil)
			if err != nil {
				tfr.Close()
				return answer.Result{}, err
			}
			if tfd == nil {
				break
			}
			delete(sections, tfd.ID.Value())
		}
		tfr.Close()
	}

	type ranked struct {
		id string
		*section
	}
	var all []ranked
	for doc, s := range sections {
		if !s.body {
			continue
		}
		id, err := r.ExternalID(index.NewIndexInternalID(nil, doc))
		if err != nil {
			return answer.Result{}, fmt.Errorf("section %d: %w", doc, err)
		}
		all = append(all, ranked{id, s})
	}
	slices.SortFunc(all, func(a, b ranked) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return strings.Compare(a.id, b.id)
	})
	for _, s := range all[:min(limit, len(all))] {
		ref, ok := parseRef(s.id)
		if !ok {
			continue
		}
		m := answer.Match{Ref: ref, Score: s.score}
		slices.Sort(s.terms)
		for _, ti := range s.terms {
			m.Terms = append(m.Terms, ti)
			m.Lang = terms[ti].Lang
		}
		res.Matches = append(res.Matches, m)
	}
	return res, nil
}
