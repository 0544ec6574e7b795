package bleveindex_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/document"
)

// generated makes n passages of Zipf-distributed words, in documents of 10
// sections, deterministically.
func generated(n int) ([]*document.Document, []string) {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	vocab := make([]string, 20000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%sx", strconv.FormatInt(int64(i)*7919%1000003, 36))
	}
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	words := func(k int) string {
		var b strings.Builder
		for i := 0; i < k; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(vocab[zipf.Uint64()])
		}
		return b.String()
	}
	var docs []*document.Document
	var questions []string
	for i := 0; i < n; i += 10 {
		d := &document.Document{ID: fmt.Sprintf("gen%06d", i), Meta: document.Metadata{Title: words(6)}}
		for j := 0; j < 10 && i+j < n; j++ {
			q := words(10) + "?"
			d.Sections = append(d.Sections, document.Section{Question: q, Paragraphs: []string{words(60) + ".", words(40) + "."}})
			if len(questions) < 500 {
				questions = append(questions, words(6))
			}
		}
		docs = append(docs, d)
	}
	return docs, questions
}

func rssKiB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			v, _ := strconv.ParseFloat(f[1], 64)
			return v
		}
	}
	return 0
}

// BenchmarkGenerated builds an index of 1k, 10k and 100k generated
// passages and times questions against it, reporting build seconds, p50
// and p99 per question and the process RSS.
func BenchmarkGenerated(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("passages=%d", n), func(b *testing.B) {
			docs, questions := generated(n)
			start := time.Now()
			x := memIndex(b, docs...)
			build := time.Since(start)
			searchTimes(b, x, questions)
			b.ReportMetric(build.Seconds(), "build-s")
			// What the index holds, not the build's peak the runtime has
			// yet to give back (searches that allocate little leave it).
			debug.FreeOSMemory()
			b.ReportMetric(rssKiB()/1024, "rss-MiB")
		})
	}
}

// BenchmarkGeneratedDisk times the questions of BenchmarkGenerated against
// an index of VERBATIM_BENCH_PASSAGES (default 100,000) generated passages
// kept on disk in VERBATIM_BENCH_DIR, built on the first run and reused by
// later ones, so that a change to searching is timed without the minute a
// build takes. VERBATIM_BENCH_CACHE bounds the decoded postings kept, in
// bytes (0: none, so every search decodes its lists):
//
//	VERBATIM_BENCH_DIR=/tmp/gen100k go test -run XXX -bench GeneratedDisk -benchtime 2000x ./internal/bleveindex/
func BenchmarkGeneratedDisk(b *testing.B) {
	dir := os.Getenv("VERBATIM_BENCH_DIR")
	if dir == "" {
		b.Skip("set VERBATIM_BENCH_DIR to a directory to keep the index in")
	}
	n := 100000
	if v := os.Getenv("VERBATIM_BENCH_PASSAGES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	docs, questions := generated(n)
	x, _, err := bleveindex.Open(dir, bleveindex.DefaultTuning, quiet)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	if _, _, err := x.Sync(docs); err != nil {
		b.Fatal(err)
	}
	if v := os.Getenv("VERBATIM_BENCH_CACHE"); v != "" {
		limit, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		bleveindex.SetCacheLimit(x, limit)
	}
	searchTimes(b, x, questions)
	b.ReportMetric(float64(bleveindex.Segments(x)), "segments")
	b.ReportMetric(float64(bleveindex.CachedBytes(x))/(1<<20), "cached-MiB")
}

// searchTimes searches x for the questions in turn for as long as b runs
// and reports the latency's p50 and p99.
func searchTimes(b *testing.B, x *bleveindex.Index, questions []string) {
	ctx := context.Background()
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		if _, err := x.Search(ctx, answer.Query{Text: questions[i%len(questions)], Limit: 10}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
