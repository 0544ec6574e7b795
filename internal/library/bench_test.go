package library

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestCorpusAdd1000 measures issue 4's figures: 1,000 generated interviews
// (about ten questions each) added one by one through Add on a data
// directory on disk, as `verbatim corpus add` adds them, then questions
// drawn from them asked through the answerer. It prints add throughput,
// ask latency percentiles and the time to reopen; it asserts only that
// everything was added. It takes a minute or two, so it runs only when
// asked:
//
//	VERBATIM_BENCH_ADD=1 go test -run TestCorpusAdd1000 -v ./internal/library/
func TestCorpusAdd1000(t *testing.T) {
	if os.Getenv("VERBATIM_BENCH_ADD") == "" {
		t.Skip("set VERBATIM_BENCH_ADD=1 to add 1,000 documents and measure")
	}
	const docs, asks = 1000, 400
	ctx := context.Background()
	dir := t.TempDir()
	g := newGenerator(2025)
	gen := make([]genDoc, docs)
	size := 0
	for i := range gen {
		gen[i] = g.interview(i, 10)
		size += len(gen[i].Text)
	}
	l := openLib(t, dir)
	// The crash points double as timers: time from the start of the index
	// update to its end is the index's share of an add.
	var indexing time.Duration
	var indexStart time.Time
	crashPoint = func(step string) {
		switch step {
		case "add:index-started":
			indexStart = time.Now()
		case "add:indexed":
			indexing += time.Since(indexStart)
		}
	}
	defer func() { crashPoint = func(string) {} }()
	ids := make([]string, docs)
	var slowest time.Duration
	start := time.Now()
	for i, d := range gen {
		t0 := time.Now()
		e, err := l.Add(ctx, Upload{Name: d.Name, Data: []byte(d.Text), Title: d.Title})
		if err != nil {
			t.Fatalf("add %d: %v", i, err)
		}
		slowest = max(slowest, time.Since(t0))
		ids[i] = e.ID
	}
	took := time.Since(start)
	t.Logf("added %d documents (%.1f MiB, %d sections) in %v: %.1f docs/s, slowest add %v",
		docs, float64(size)/(1<<20), l.index.get().Count(), took.Round(time.Millisecond), float64(docs)/took.Seconds(), slowest.Round(time.Millisecond))
	t.Logf("of which indexing (bleve batch) %v (%.0f%%), validation+parse+store+refresh %v (%.1f ms per document)",
		indexing.Round(time.Millisecond), 100*indexing.Seconds()/took.Seconds(), (took - indexing).Round(time.Millisecond),
		float64((took-indexing).Milliseconds())/docs)

	r := rand.New(rand.NewPCG(1, 2))
	a := l.Answerer()
	lat := make([]time.Duration, 0, asks)
	top1 := 0
	for range asks {
		i := r.IntN(docs)
		qi := r.IntN(len(gen[i].Questions))
		t0 := time.Now()
		ans, err := a.Ask(ctx, gen[i].Questions[qi], "", 3)
		lat = append(lat, time.Since(t0))
		if err != nil {
			t.Fatal(err)
		}
		if ans.Answered && ans.Hits[0].Document == ids[i] && ans.Hits[0].Section == qi+1 {
			top1++
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(10 * time.Microsecond) }
	t.Logf("ask over %d questions drawn from the documents: p50 %v, p90 %v, p99 %v, max %v; own section first for %d%%",
		asks, pct(0.5), pct(0.9), pct(0.99), lat[len(lat)-1].Round(10*time.Microsecond), 100*top1/asks)

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	l2 := openLib(t, dir)
	t.Logf("reopened %d stored documents with their index in %v", len(l2.List(""))-1, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if err := l2.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("rebuilt the index in %v", time.Since(start).Round(time.Millisecond))
}

// BenchmarkAdd adds generated ten-question interviews to a library on
// disk, one per iteration, through the path `verbatim corpus add` takes.
func BenchmarkAdd(b *testing.B) {
	l := openLib(b, b.TempDir())
	g := newGenerator(3)
	ctx := context.Background()
	n := 0
	start := time.Now()
	for b.Loop() {
		d := g.interview(n, 10)
		if _, err := l.Add(ctx, Upload{Name: d.Name, Data: []byte(d.Text), Title: fmt.Sprintf("%s (%d)", d.Title, n)}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "docs/s")
}

// TestWriteGenerated writes the 1,000 interviews TestCorpusAdd1000 adds
// as files, for timing `verbatim corpus add` itself on them (BENCHMARKS.md):
//
//	VERBATIM_GEN_DIR=/tmp/gen go test -run TestWriteGenerated ./internal/library/
//	time go run ./cmd/verbatim corpus add /tmp/gen/*.txt
func TestWriteGenerated(t *testing.T) {
	dir := os.Getenv("VERBATIM_GEN_DIR")
	if dir == "" {
		t.Skip("set VERBATIM_GEN_DIR to a folder to write the generated interviews to")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	g := newGenerator(2025)
	for i := range 1000 {
		d := g.interview(i, 10)
		text := fmt.Sprintf("---\ntitle: %s\n---\n%s", d.Title, d.Text)
		if err := os.WriteFile(filepath.Join(dir, d.Name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
