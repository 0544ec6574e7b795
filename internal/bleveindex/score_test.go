package bleveindex_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/eval"
	"github.com/verbatimbot/verbatim/seeds"
)

// TestTopKMatchesReference compares the scorer of score.go — MaxScore
// pruning, decoded lists kept between searches, lists streamed through
// bleve — with SearchReference, which scores every posting of every term
// by the same formula without any of that, on several corpora, limits,
// server scopes and ways of reading lists: the same sections in the same
// order, the same terms matched, and scores equal but for the last bits
// of a sum.
func TestTopKMatchesReference(t *testing.T) {
	seedDocs, err := seeds.Documents()
	if err != nil {
		t.Fatal(err)
	}
	seedSet, err := eval.LoadBEIR(filepath.Join("..", "..", "evalsets", "seeds"), "")
	if err != nil {
		t.Fatal(err)
	}
	var seedQs []string
	for _, q := range seedSet.Queries {
		seedQs = append(seedQs, q.Text)
	}
	spanish := spanishDoc(t)
	spanishQs := []string{"¿Cuánto litio produce Chile?", "precio del litio en 2023", "informacion sobre tecnologia de baterias",
		"What is the capital of Australia?", "lithium China", "Tianqi", "salares de Atacama agua", "trasparencia", "electrik buses"}

	gen, genQs := generated(3000)
	// Some generated documents belong to servers, so the exclusion is
	// exercised: "s1" and "s2" each own a tenth.
	for i, d := range gen {
		switch i % 10 {
		case 1:
			d.Server = "s1"
		case 2:
			d.Server = "s2"
		}
	}
	type corpus struct {
		name    string
		docs    []*document.Document
		qs      []string
		servers [][]string
		large   bool // an outside set: fewer modes and limits, for time
	}
	corpora := []corpus{
		{"seeds", seedDocs, seedQs, [][]string{nil}, false},
		{"seeds+spanish", append(append([]*document.Document{}, seedDocs...), spanish), append(append([]string{}, seedQs...), spanishQs...), [][]string{nil}, false},
		{"generated", gen, genQs[:60], [][]string{nil, {"s1"}, {"s1", "s2"}}, false},
	}
	for _, set := range []struct{ dir, qrels string }{{"stackfaq", ""}, {"scifact", "qrels_test.tsv"}} {
		if testing.Short() {
			break
		}
		if _, err := os.Stat(filepath.Join(evaldata, set.dir)); err != nil {
			continue
		}
		s := loadSet(t, set.dir, set.qrels)
		var qs []string
		for i, q := range s.Queries {
			if i%4 == 0 { // a quarter of the queries: the set's vocabulary, a quarter of the time
				qs = append(qs, q.Text)
			}
		}
		corpora = append(corpora, corpus{set.dir, s.Documents(), qs, [][]string{nil}, true})
	}
	// The list lengths from which postings are kept decoded and from which,
	// when not kept, read through bleve, so that each way of reading a list
	// is compared (zero: unchanged).
	// And the most postings a search accumulates (accumulate.go) rather
	// than prunes (-1: unchanged; 0: only searches with none).
	type lists struct{ cacheMin, streamMin uint64 }
	modes := []struct {
		name       string
		lists      lists
		accumulate int
	}{
		{"default", lists{}, -1},
		{"all-decoded", lists{1, 1 << 62}, -1},
		{"all-decoded-pruned", lists{1, 1 << 62}, 0},
		{"all-decoded-accumulated", lists{1, 1 << 62}, math.MaxInt32},
		{"streamed-and-kept", lists{20, 300}, -1},
		{"all-streamed", lists{1 << 62, 0}, -1},
	}
	ctx := context.Background()
	for _, tc := range corpora {
		t.Run(tc.name, func(t *testing.T) {
			x := memIndex(t, tc.docs...)
			// The reference does not depend on the mode: each search's is
			// found once.
			type search struct {
				q       string
				servers int
				limit   int
			}
			reference := map[search]answer.Result{}
			for _, mode := range modes {
				if tc.large && mode.name != "default" && mode.name != "all-streamed" && mode.name != "all-decoded-pruned" {
					continue // the small corpora cover every mode; these the default and the extremes
				}
				t.Run(mode.name, func(t *testing.T) {
					// Each mode starts with nothing kept, and all-streamed
					// keeps nothing (lists missed are otherwise decoded
					// after the search and found by the next).
					bleveindex.EmptyCache(x)
					if mode.name == "all-streamed" {
						defer bleveindex.SetCacheLimit(x, bleveindex.SetCacheLimit(x, 0))
					}
					if mode.lists != (lists{}) {
						defer bleveindex.SetListThresholds(mode.lists.cacheMin, mode.lists.streamMin)()
					}
					if mode.accumulate >= 0 {
						defer bleveindex.SetAccumulateMax(mode.accumulate)()
					}
					diffs := 0
					for si, servers := range tc.servers {
						limits := []int{10, 1, 50}
						if tc.large {
							limits = limits[:1]
						}
						for _, limit := range limits {
							for _, q := range tc.qs {
								query := answer.Query{Text: q, Servers: servers, Limit: limit}
								want, ok := reference[search{q, si, limit}]
								if !ok {
									var err error
									if want, err = bleveindex.SearchReference(ctx, x, query); err != nil {
										t.Fatal(err)
									}
									reference[search{q, si, limit}] = want
								}
								got, err := x.Search(ctx, query)
								if err != nil {
									t.Fatal(err)
								}
								if d := compareMatches(want.Matches, got.Matches); d != "" {
									diffs++
									if diffs <= 5 {
										t.Errorf("%q servers %v limit %d: %s", q, servers, limit, d)
									}
								}
							}
						}
					}
					if diffs > 0 {
						t.Errorf("%d searches differ", diffs)
					}
				})
			}
		})
	}
}

// compareMatches describes how got differs from want. Sections whose
// scores tie within rounding may trade places, and only a tie at the last
// place may change which section is kept.
func compareMatches(want, got []answer.Match) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d matches, want %d", len(got), len(want))
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }
	for i := range want {
		w, g := want[i], got[i]
		if !close(w.Score, g.Score) {
			return fmt.Sprintf("#%d score %v (%s), want %v (%s)", i, g.Score, g.Ref, w.Score, w.Ref)
		}
		if w.Ref != g.Ref {
			// A rounding tie: the two must be adjacent in the other list.
			if (i+1 < len(want) && want[i+1].Ref == g.Ref && close(want[i+1].Score, w.Score)) ||
				(i > 0 && want[i-1].Ref == g.Ref && close(want[i-1].Score, w.Score)) ||
				(i == len(want)-1 && close(g.Score, w.Score)) {
				continue
			}
			return fmt.Sprintf("#%d is %s, want %s", i, g.Ref, w.Ref)
		}
		if fmt.Sprint(w.Terms) != fmt.Sprint(g.Terms) || w.Lang != g.Lang {
			return fmt.Sprintf("#%d %s terms %v %q, want %v %q", i, g.Ref, g.Terms, g.Lang, w.Terms, w.Lang)
		}
	}
	return ""
}

// spanishDoc is the Spanish interview of the Spanish evaluation set.
func spanishDoc(tb testing.TB) *document.Document {
	tb.Helper()
	docs, err := eval.LoadDocuments(filepath.Join("..", "..", "evalsets", "es"))
	if err != nil || len(docs) != 1 {
		tb.Fatalf("the Spanish set's documents: %d, %v", len(docs), err)
	}
	return docs[0]
}

// TestAccumulateMatchesRun scores the same searches, every list decoded,
// by accumulation and by MaxScore's run, and wants the very same matches:
// sections, order, scores bit for bit, terms. Afterwards the arrays an
// accumulating search puts back are all zero.
func TestAccumulateMatchesRun(t *testing.T) {
	seedDocs, err := seeds.Documents()
	if err != nil {
		t.Fatal(err)
	}
	gen, genQs := generated(3000)
	for i, d := range gen {
		if i%10 == 1 {
			d.Server = "s1"
		}
	}
	corpora := []struct {
		name    string
		docs    []*document.Document
		qs      []string
		servers [][]string
	}{
		{"seeds+spanish", append(append([]*document.Document{}, seedDocs...), spanishDoc(t)),
			[]string{"Which companies compete with European providers?", "¿Cuánto litio produce Chile?", "electrik buses", "China"}, [][]string{nil}},
		{"generated", gen, genQs[:40], [][]string{nil, {"s1"}}},
	}
	if _, err := os.Stat(filepath.Join(evaldata, "scifact")); err == nil && !testing.Short() {
		s := loadSet(t, "scifact", "qrels_test.tsv")
		var qs []string
		for i, q := range s.Queries {
			if i%3 == 0 { // a third of the claims, for time under the race detector
				qs = append(qs, q.Text)
			}
		}
		corpora = append(corpora, struct {
			name    string
			docs    []*document.Document
			qs      []string
			servers [][]string
		}{"scifact", s.Documents(), qs, [][]string{nil}})
	}
	defer bleveindex.SetListThresholds(1, 1<<62)()
	ctx := context.Background()
	for _, tc := range corpora {
		t.Run(tc.name, func(t *testing.T) {
			x := memIndex(t, tc.docs...)
			compared := 0
			for _, servers := range tc.servers {
				for _, limit := range []int{1, 10, 50, 5000} {
					for _, q := range tc.qs {
						query := answer.Query{Text: q, Servers: servers, Limit: limit}
						var got [2]answer.Result
						for i, most := range []int{0, math.MaxInt32} {
							restore := bleveindex.SetAccumulateMax(most)
							if got[i], err = x.Search(ctx, query); err != nil {
								t.Fatal(err)
							}
							restore()
						}
						run, acc := got[0].Matches, got[1].Matches
						if len(run) != len(acc) {
							t.Fatalf("%q limit %d: accumulated %d matches, run %d", q, limit, len(acc), len(run))
						}
						for i := range run {
							r, a := run[i], acc[i]
							if r.Ref != a.Ref || math.Float64bits(r.Score) != math.Float64bits(a.Score) ||
								fmt.Sprint(r.Terms) != fmt.Sprint(a.Terms) || r.Lang != a.Lang {
								t.Fatalf("%q servers %v limit %d, #%d: accumulated %v %v %v %q, run %v %v %v %q",
									q, servers, limit, i, a.Ref, a.Score, a.Terms, a.Lang, r.Ref, r.Score, r.Terms, r.Lang)
							}
						}
						compared += len(run)
					}
				}
			}
			if compared == 0 {
				t.Fatal("no matches compared")
			}
			if !bleveindex.AccumulatorsZero() {
				t.Error("an accumulator was put back with sums or bits left")
			}
		})
	}
}
