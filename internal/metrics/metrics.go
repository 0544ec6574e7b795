// Package metrics counts what Verbatim does — questions asked and declined,
// how long answers take, documents held, errors by kind — and writes the
// figures in the Prometheus text exposition format (version 0.0.4). It is a
// small registry of its own so that the bot needs no metrics library.
package metrics

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LatencyBuckets are the upper bounds, in seconds, of the answer-latency
// histogram: from half a millisecond to Discord's patience and beyond.
var LatencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// ContentType is the media type of the exposition Registry writes.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// maxErrorKinds bounds the label values of verbatim_errors_total; further
// kinds are counted as "other" so a bug cannot grow the exposition forever.
const maxErrorKinds = 32

// Registry holds Verbatim's metrics. The zero value is not usable; call
// New. It is safe for concurrent use.
type Registry struct {
	questions atomic.Uint64
	declined  atomic.Uint64
	documents func() int
	latency   histogram

	mu     sync.Mutex
	errors map[string]uint64
}

// New returns a registry. documents, when not nil, is read at every
// exposition for the verbatim_documents gauge; it must be safe to call
// from any goroutine.
func New(documents func() int) *Registry {
	r := &Registry{
		documents: documents,
		latency:   newHistogram(LatencyBuckets),
		// Kinds known in advance start at zero, so that rates over them
		// are defined from the first scrape.
		errors: map[string]uint64{"answer": 0, "discord": 0, "panic": 0},
	}
	return r
}

// Error counts one error of the given kind ("answer", "discord", "panic",
// …) in verbatim_errors_total{kind="…"}.
func (r *Registry) Error(kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.errors[kind]; !ok && len(r.errors) >= maxErrorKinds {
		kind = "other"
	}
	r.errors[kind]++
}

// question counts one question asked, whether the corpus declined it, and,
// when took is not negative, how long answering it took.
func (r *Registry) question(declined bool, took time.Duration) {
	r.questions.Add(1)
	if declined {
		r.declined.Add(1)
	}
	if took >= 0 {
		r.latency.observe(took.Seconds())
	}
}

// WriteTo writes every metric in the text exposition format, ordered by
// name. It implements io.WriterTo.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	b := bufio.NewWriter(cw)

	r.latency.write(b, "verbatim_answer_seconds", "Time taken to answer a question, in seconds (questions refused as empty or too long excluded).")

	if r.documents != nil {
		header(b, "verbatim_documents", "Documents in the corpus.", "gauge")
		b.WriteString("verbatim_documents ")
		b.WriteString(strconv.Itoa(r.documents()))
		b.WriteByte('\n')
	}

	r.mu.Lock()
	kinds := make([]string, 0, len(r.errors))
	for k := range r.errors {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	counts := make([]uint64, len(kinds))
	for i, k := range kinds {
		counts[i] = r.errors[k]
	}
	r.mu.Unlock()
	header(b, "verbatim_errors_total", "Unexpected errors, by kind.", "counter")
	for i, k := range kinds {
		b.WriteString(`verbatim_errors_total{kind="`)
		b.WriteString(escapeLabel(k))
		b.WriteString(`"} `)
		b.WriteString(strconv.FormatUint(counts[i], 10))
		b.WriteByte('\n')
	}

	counter(b, "verbatim_questions_declined_total", "Questions the corpus does not answer (suggestions given instead).", r.declined.Load())
	counter(b, "verbatim_questions_total", "Questions asked, refused and failed ones included.", r.questions.Load())

	err := b.Flush()
	return cw.n, err
}

// ServeHTTP serves the exposition, for a Prometheus scrape.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	if req.Method == http.MethodHead {
		return
	}
	_, _ = r.WriteTo(w)
}

func header(b *bufio.Writer, name, help, typ string) {
	b.WriteString("# HELP ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(escapeHelp(help))
	b.WriteString("\n# TYPE ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(typ)
	b.WriteByte('\n')
}

func counter(b *bufio.Writer, name, help string, v uint64) {
	header(b, name, help, "counter")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(strconv.FormatUint(v, 10))
	b.WriteByte('\n')
}

// histogram is a cumulative histogram under one lock, so that a scrape
// always sees a count equal to its +Inf bucket.
type histogram struct {
	mu     sync.Mutex
	bounds []float64
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	count  uint64
}

func newHistogram(bounds []float64) histogram {
	return histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v) // first bound >= v: le is inclusive
	h.mu.Lock()
	h.counts[i]++
	h.sum += v
	h.count++
	h.mu.Unlock()
}

func (h *histogram) write(b *bufio.Writer, name, help string) {
	h.mu.Lock()
	counts := slices.Clone(h.counts)
	sum, count := h.sum, h.count
	h.mu.Unlock()
	header(b, name, help, "histogram")
	var cum uint64
	for i, n := range counts {
		cum += n
		le := math.Inf(1)
		if i < len(h.bounds) {
			le = h.bounds[i]
		}
		b.WriteString(name)
		b.WriteString(`_bucket{le="`)
		b.WriteString(formatFloat(le))
		b.WriteString(`"} `)
		b.WriteString(strconv.FormatUint(cum, 10))
		b.WriteByte('\n')
	}
	b.WriteString(name)
	b.WriteString("_sum ")
	b.WriteString(formatFloat(sum))
	b.WriteByte('\n')
	b.WriteString(name)
	b.WriteString("_count ")
	b.WriteString(strconv.FormatUint(count, 10))
	b.WriteByte('\n')
}

// formatFloat writes a sample value as Prometheus parses it.
func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
