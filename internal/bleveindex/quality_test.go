package bleveindex_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/corpus"
	"github.com/verbatimbot/verbatim/internal/eval"
)

// evaldata is the shared folder of outside evaluation sets.
var evaldata = filepath.Join("..", "..", "..", "shared", "evaldata")

func beirSystem(t testing.TB, set *eval.Set, tuning bleveindex.Tuning) (eval.AnswererSystem, func()) {
	t.Helper()
	docs := set.Documents()
	idx, _, err := bleveindex.Open("", tuning, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := idx.Sync(docs); err != nil {
		t.Fatal(err)
	}
	return eval.AnswererSystem{Answerer: answer.New(idx, corpus.New(docs...), answer.Options{})}, func() { idx.Close() }
}

func TestQualityBEIR(t *testing.T) {
	if testing.Short() {
		t.Skip("quality run skipped in -short mode")
	}
	for _, tc := range []struct {
		dir, qrels string
		minNDCG    float64
	}{
		{"stackfaq", "", 0.86},
		{"scifact", "qrels_test.tsv", 0.69},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := filepath.Join(evaldata, tc.dir)
			if _, err := os.Stat(dir); err != nil {
				t.Skipf("no %s: %v", dir, err)
			}
			qrels := ""
			if tc.qrels != "" {
				qrels = filepath.Join(dir, tc.qrels)
			}
			set, err := eval.LoadBEIR(dir, qrels)
			if err != nil {
				t.Fatal(err)
			}
			sys, done := beirSystem(t, set, bleveindex.DefaultTuning)
			defer done()
			rep, err := eval.Evaluate(context.Background(), set, sys, eval.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: nDCG@10 %.4f MRR@10 %.4f R@5 %.4f top1 %.4f p50 %v", tc.dir, rep.NDCG10, rep.MRR10, rep.Recall5, rep.Top1, rep.LatencyP50)
			if rep.NDCG10 < tc.minNDCG {
				t.Errorf("nDCG@10 %.4f below %.4f", rep.NDCG10, tc.minNDCG)
			}
		})
	}
}

func loadSet(tb testing.TB, name, qrels string) *eval.Set {
	tb.Helper()
	dir := filepath.Join(evaldata, name)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("no %s: %v", dir, err)
	}
	if qrels != "" {
		qrels = filepath.Join(dir, qrels)
	}
	set, err := eval.LoadBEIR(dir, qrels)
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

// BenchmarkSciFactQuery is one claim of SciFact's test set against its
// 5,183 abstracts: analysis, search and the answered decision.
func BenchmarkSciFactQuery(b *testing.B) {
	set := loadSet(b, "scifact", "qrels_test.tsv")
	sys, done := beirSystem(b, set, bleveindex.DefaultTuning)
	defer done()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := sys.Answerer.Search(ctx, set.Queries[i%len(set.Queries)].Text, "", 10); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSciFactBuild indexes SciFact's 5,183 abstracts in memory.
func BenchmarkSciFactBuild(b *testing.B) {
	set := loadSet(b, "scifact", "qrels_test.tsv")
	for b.Loop() {
		_, done := beirSystem(b, set, bleveindex.DefaultTuning)
		done()
	}
}
