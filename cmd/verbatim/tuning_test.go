package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/eval"
)

// TestTuning prints the sweeps behind the ranking parameters and the decline
// threshold in BENCHMARKS.md: BM25's k1 and b and the question field's
// weight on the seed set, StackFAQ, SciFact and the Spanish set (its
// interview indexed beside the seeds), then the decline threshold on the
// seeds, off-topic and near-miss questions apart, and the Spanish set. It
// measures, it asserts nothing, and it takes a few minutes, so it runs
// only when asked:
//
//	VERBATIM_TUNING=1 go test -run TestTuning -v ./cmd/verbatim/
func TestTuning(t *testing.T) {
	if os.Getenv("VERBATIM_TUNING") == "" {
		t.Skip("set VERBATIM_TUNING=1 to run the tuning sweeps")
	}
	shared := filepath.Join("..", "..", "..", "shared", "evaldata")
	load := func(dir, qrels string) *eval.Set {
		set, err := eval.LoadBEIR(dir, qrels)
		if err != nil {
			t.Fatal(err)
		}
		return set
	}
	const seedsSet, spanishSet = 0, 3
	sets := []*eval.Set{
		load(filepath.Join("..", "..", "evalsets", "seeds"), ""),
		load(filepath.Join(shared, "stackfaq"), ""),
		load(filepath.Join(shared, "scifact"), filepath.Join(shared, "scifact", "qrels_test.tsv")),
		load(filepath.Join("..", "..", "evalsets", "es"), ""),
	}
	measure := func(i int, tuning bleveindex.Tuning, opt answer.Options) eval.Report {
		sys, err := newEvalSystem(sets[i], tuning, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer sys.index.Close()
		rep, err := eval.Evaluate(context.Background(), sets[i], sys, eval.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	// all measures the four sets at once (k1 and b are set before, and
	// not changed while they run).
	all := func(tuning bleveindex.Tuning) [4]eval.Report {
		var r [4]eval.Report
		var wg sync.WaitGroup
		for i := range sets {
			wg.Go(func() { r[i] = measure(i, tuning, answer.Options{}) })
		}
		wg.Wait()
		return r
	}
	defer bleveindex.SetBM25(1.2, 0.75)

	fmt.Println("| k1 | b | question boost | seeds nDCG / top-1 / answered / declined (off-topic, near-miss) | StackFAQ nDCG | SciFact nDCG | Spanish nDCG / top-1 / answered / declined |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, kb := range [][2]float64{{1.2, 0.75}, {0.9, 0.4}, {1.5, 0.75}} {
		bleveindex.SetBM25(kb[0], kb[1])
		for _, boost := range []float64{0.35, 0.5, 0.6, 0.75, 1, 1.5} {
			tuning := bleveindex.DefaultTuning
			tuning.QuestionBoost = boost
			r := all(tuning)
			off, near := seedDeclines(r[seedsSet])
			s, es := r[seedsSet], r[spanishSet]
			fmt.Printf("| %.1f | %.2f | %.2f | %.3f / %.3f / %.3f / %.3f (%s, %s) | %.3f | %.3f | %.3f / %.3f / %.3f / %.3f |\n",
				kb[0], kb[1], boost, s.NDCG10, s.Top1, s.AnsweredRate, s.DeclinedRate, off, near,
				r[1].NDCG10, r[2].NDCG10, es.NDCG10, es.Top1, es.AnsweredRate, es.DeclinedRate)
		}
	}
	bleveindex.SetBM25(1.2, 0.75)

	fmt.Println("\n| threshold | seeds answerable answered | seeds to-decline declined (off-topic, near-miss) | Spanish answered | Spanish declined |")
	fmt.Println("|---|---|---|---|---|")
	for _, c := range []float64{0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5} {
		var rep, es eval.Report
		var wg sync.WaitGroup
		wg.Go(func() { rep = measure(seedsSet, bleveindex.DefaultTuning, answer.Options{MinCoverage: c}) })
		wg.Go(func() { es = measure(spanishSet, bleveindex.DefaultTuning, answer.Options{MinCoverage: c}) })
		wg.Wait()
		off, near := seedDeclines(rep)
		fmt.Printf("| %.2f | %.1f%% | %.1f%% (%s, %s) | %.1f%% | %.1f%% |\n", c, 100*rep.AnsweredRate, 100*rep.DeclinedRate, off, near,
			100*es.AnsweredRate, 100*es.DeclinedRate)
	}
}

// seedDeclines counts the seed set's declined off-topic and near-miss
// questions: d-01 … d-07 are the off-topic ones (evalsets/README.md).
func seedDeclines(rep eval.Report) (offTopic, nearMiss string) {
	var offN, offD, nearN, nearD int
	for _, q := range rep.PerQuery {
		if !q.Decline {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(q.ID, "d-%d", &n); err == nil && n <= 7 {
			offN++
			if !q.Answered {
				offD++
			}
			continue
		}
		nearN++
		if !q.Answered {
			nearD++
		}
	}
	return fmt.Sprintf("%d/%d", offD, offN), fmt.Sprintf("%d/%d", nearD, nearN)
}
