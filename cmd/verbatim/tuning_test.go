package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/eval"
)

// TestTuning prints the sweeps behind the ranking parameters and the decline
// threshold in BENCHMARKS.md. It measures, it asserts nothing, and it takes a
// few minutes, so it runs only when asked:
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
	seedSet := load(filepath.Join("..", "..", "evalsets", "seeds"), "")
	sets := []*eval.Set{
		seedSet,
		load(filepath.Join(shared, "stackfaq"), ""),
		load(filepath.Join(shared, "scifact"), filepath.Join(shared, "scifact", "qrels_test.tsv")),
	}
	measure := func(set *eval.Set, tuning bleveindex.Tuning, opt answer.Options) eval.Report {
		sys, err := newEvalSystem(set, tuning, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer sys.index.Close()
		rep, err := eval.Evaluate(context.Background(), set, sys, eval.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	defer bleveindex.SetBM25(1.2, 0.75)

	fmt.Println("| k1 | b | question boost | seeds nDCG / top-1 | StackFAQ nDCG | SciFact nDCG |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, kb := range [][2]float64{{1.2, 0.75}, {0.9, 0.4}, {1.5, 0.75}} {
		bleveindex.SetBM25(kb[0], kb[1])
		for _, boost := range []float64{0.75, 1, 1.5, 2} {
			tuning := bleveindex.DefaultTuning
			tuning.QuestionBoost = boost
			var r [3]eval.Report
			for i, set := range sets {
				r[i] = measure(set, tuning, answer.Options{})
			}
			fmt.Printf("| %.1f | %.2f | %.2f | %.3f / %.3f | %.3f | %.3f |\n",
				kb[0], kb[1], boost, r[0].NDCG10, r[0].Top1, r[1].NDCG10, r[2].NDCG10)
		}
	}
	bleveindex.SetBM25(1.2, 0.75)

	fmt.Println("\n| threshold | answerable answered | to-decline declined |")
	fmt.Println("|---|---|---|")
	for _, c := range []float64{0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5} {
		rep := measure(seedSet, bleveindex.DefaultTuning, answer.Options{MinCoverage: c})
		fmt.Printf("| %.2f | %.1f%% | %.1f%% |\n", c, 100*rep.AnsweredRate, 100*rep.DeclinedRate)
	}
}
