// Package eval measures retrieval quality on labelled questions: it loads
// BEIR-shaped question sets, runs a System over their queries and reports the
// usual ranking metrics (nDCG@10, MRR@10, Recall@5, top-1), how often the
// system answered the answerable questions and declined the unanswerable
// ones, and search latency. It knows nothing of any index or of Discord:
// AnswererSystem adapts the product's answerer to System, and Set.Documents
// turns an outside corpus into documents to index.
package eval

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Doc is one retrievable item of a set's corpus.
type Doc struct{ ID, Title, Text string }

// Query is one labelled question. Decline marks a question the corpus does
// not answer, which the system should say it cannot answer.
type Query struct {
	ID, Text string
	Decline  bool
}

// Set is a labelled question set.
type Set struct {
	Name    string
	Dir     string                    // the folder it was loaded from
	Corpus  []Doc                     // empty when the set is about the shipped seeds
	Queries []Query                   // only judged queries (those with qrels) plus Decline queries
	Qrels   map[string]map[string]int // query id -> doc id -> relevance (>0 relevant)
}

// Result is what a System returns for one query.
type Result struct {
	IDs      []string  // ranked doc ids, best first
	Scores   []float64 // one per id, or none at all
	Answered bool      // false when the system would tell the user it cannot answer
}

// System is the retriever under test.
type System interface {
	// Search returns at most k ranked results for query.
	Search(ctx context.Context, query string, k int) (Result, error)
}

// DefaultK is the number of results asked of the System when Options.K is
// not set.
const DefaultK = 10

// DefaultTag names the run in TREC run files when Options.Tag is empty.
const DefaultTag = "verbatim"

// Options tune Evaluate. The zero value is ready to use.
type Options struct {
	K   int       // results asked per query; DefaultK when <= 0. Below 10 it truncates the @10 metrics.
	Tag string    // run tag in the TREC run output; DefaultTag when empty; no white space
	Run io.Writer // TREC run output (`qid Q0 docid rank score tag`), nil for none
}

// Report is the outcome of one Evaluate call.
//
// The ranking metrics are means over the answerable queries (not Decline,
// with at least one judgment > 0) and are computed on the ranking whether or
// not the system chose to answer; AnsweredRate and DeclinedRate report that
// choice separately. A query the system returns nothing for scores 0; BEIR,
// whose pytrec_eval averages only over queries present in the run, would
// leave it out.
type Report struct {
	Set        string
	Queries    int // queries searched
	Answerable int // queries counted in the ranking metrics
	Declinable int // Decline queries

	NDCG10  float64 // mean nDCG@10, linear gains, as trec_eval's ndcg_cut.10
	MRR10   float64 // mean reciprocal rank of the first relevant doc within the top 10
	Recall5 float64 // mean share of a query's relevant docs found in the top 5
	Top1    float64 // share of queries whose first result is relevant

	AnsweredRate float64 // share of answerable queries with Answered true
	DeclinedRate float64 // share of Decline queries with Answered false

	LatencyP50, LatencyP95, LatencyP99 time.Duration // per Search call, nearest rank
	BuildTime                          time.Duration // filled by the caller (index build); printed when > 0

	PerQuery []QueryResult `json:"-"` // one per query, in set order, for failure analysis
}

// QueryResult is the outcome of one query, for failure analysis.
type QueryResult struct {
	ID, Text      string
	Decline       bool          // labelled must-decline
	Judged        bool          // counted in the ranking metrics
	Answered      bool          // what the system chose
	Top           []string      // ranked doc ids returned, at most K
	NDCG10        float64       // 0 unless Judged
	FirstRelevant int           // 1-based rank of the first relevant doc in Top; 0 when none
	Latency       time.Duration // of the Search call
}

// ErrInvalid marks a call Evaluate cannot run (no set, no system, a bad tag)
// or a Result it cannot score.
var ErrInvalid = errors.New("invalid evaluation")

// Evaluate runs every query of s through sys, in set order and one at a time
// so that latencies are not inflated by contention, and scores the rankings
// against s.Qrels. It also writes a TREC run to opt.Run when set.
//
// It returns an error wrapping ErrInvalid for a nil set or system, a tag with
// white space, or a Result whose Scores do not match its IDs or whose ids
// cannot be written to a run; the first Search error, wrapped with the query
// id; ctx's error once ctx is done; or the run writer's error.
func Evaluate(ctx context.Context, s *Set, sys System, opt Options) (Report, error) {
	return evaluate(ctx, s, sys, opt, time.Now)
}

// evaluate is Evaluate with the clock passed in, for tests.
func evaluate(ctx context.Context, s *Set, sys System, opt Options, now func() time.Time) (Report, error) {
	if s == nil {
		return Report{}, fmt.Errorf("%w: no question set", ErrInvalid)
	}
	if sys == nil {
		return Report{}, fmt.Errorf("%w: no system to evaluate", ErrInvalid)
	}
	k := opt.K
	if k <= 0 {
		k = DefaultK
	}
	tag := opt.Tag
	if tag == "" {
		tag = DefaultTag
	}
	if strings.ContainsFunc(tag, unicode.IsSpace) {
		return Report{}, fmt.Errorf("%w: run tag %q contains white space", ErrInvalid, tag)
	}
	var run *bufio.Writer
	if opt.Run != nil {
		run = bufio.NewWriter(opt.Run)
	}

	rep := Report{Set: s.Name, Queries: len(s.Queries), PerQuery: make([]QueryResult, 0, len(s.Queries))}
	latencies := make([]time.Duration, 0, len(s.Queries))
	var ndcg, rr, recall, top1 float64
	var answered, declined int
	for _, q := range s.Queries {
		if err := ctx.Err(); err != nil {
			return Report{}, fmt.Errorf("evaluate %s: %w", s.Name, err)
		}
		start := now()
		res, err := sys.Search(ctx, q.Text, k)
		lat := now().Sub(start)
		if err != nil {
			return Report{}, fmt.Errorf("search query %s: %w", q.ID, err)
		}
		if len(res.Scores) != 0 && len(res.Scores) != len(res.IDs) {
			return Report{}, fmt.Errorf("%w: query %s: result has %d ids but %d scores", ErrInvalid, q.ID, len(res.IDs), len(res.Scores))
		}
		ids := res.IDs
		if len(ids) > k {
			ids = ids[:k]
		}
		latencies = append(latencies, lat)
		qr := QueryResult{
			ID: q.ID, Text: q.Text, Decline: q.Decline, Answered: res.Answered,
			Top: append([]string(nil), ids...), Latency: lat,
		}
		rels := s.Qrels[q.ID]
		switch {
		case q.Decline:
			rep.Declinable++
			if !res.Answered {
				declined++
			}
		case hasRelevant(rels):
			rep.Answerable++
			m := judge(ids, rels)
			qr.Judged, qr.NDCG10, qr.FirstRelevant = true, m.ndcg10, m.first
			ndcg += m.ndcg10
			rr += m.rr10
			recall += m.recall5
			if m.first == 1 {
				top1++
			}
			if res.Answered {
				answered++
			}
		}
		rep.PerQuery = append(rep.PerQuery, qr)
		if run != nil {
			if err := writeRun(run, q.ID, ids, res.Scores, tag); err != nil {
				return Report{}, err
			}
		}
	}
	if run != nil {
		if err := run.Flush(); err != nil {
			return Report{}, fmt.Errorf("write run: %w", err)
		}
	}
	if n := float64(rep.Answerable); n > 0 {
		rep.NDCG10, rep.MRR10, rep.Recall5, rep.Top1 = ndcg/n, rr/n, recall/n, top1/n
		rep.AnsweredRate = float64(answered) / n
	}
	if rep.Declinable > 0 {
		rep.DeclinedRate = float64(declined) / float64(rep.Declinable)
	}
	rep.LatencyP50 = percentile(latencies, 50)
	rep.LatencyP95 = percentile(latencies, 95)
	rep.LatencyP99 = percentile(latencies, 99)
	return rep, nil
}

// writeRun writes one query's ranking as TREC run lines. Without scores it
// writes descending ones (n, n-1, …, 1) so that trec_eval, which re-sorts
// by score, keeps the system's order.
func writeRun(w *bufio.Writer, qid string, ids []string, scores []float64, tag string) error {
	if strings.ContainsFunc(qid, unicode.IsSpace) {
		return fmt.Errorf("%w: query id %q contains white space and cannot go in a TREC run", ErrInvalid, qid)
	}
	for i, id := range ids {
		if id == "" || strings.ContainsFunc(id, unicode.IsSpace) {
			return fmt.Errorf("%w: query %s: doc id %q cannot go in a TREC run", ErrInvalid, qid, id)
		}
		score := float64(len(ids) - i)
		if len(scores) > 0 {
			score = scores[i]
		}
		line := qid + " Q0 " + id + " " + strconv.Itoa(i+1) + " " + strconv.FormatFloat(score, 'g', -1, 64) + " " + tag + "\n"
		if _, err := w.WriteString(line); err != nil {
			return fmt.Errorf("write run: %w", err)
		}
	}
	return nil
}
