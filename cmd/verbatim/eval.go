package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/corpus"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/eval"
	"github.com/verbatimbot/verbatim/seeds"
)

func runEval(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	qrels := fs.String("qrels", "", "qrels TSV (default DIR/qrels.tsv, else DIR/qrels_test.tsv)")
	runFile := fs.String("run", "", "write a TREC run file here")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	failures := fs.Bool("failures", false, "also list the questions answered wrongly, for failure analysis")
	if err := fs.Parse(args); err != nil {
		return usageError{}
	}
	if fs.NArg() != 1 {
		return usageError{"eval needs exactly one DIR: a BEIR folder (corpus.jsonl, queries.jsonl, qrels) or a question set for the seeds"}
	}
	set, err := eval.LoadBEIR(fs.Arg(0), *qrels)
	if err != nil {
		return err
	}
	start := time.Now()
	sys, err := newEvalSystem(set)
	if err != nil {
		return err
	}
	defer sys.index.Close()
	build := time.Since(start)

	opt := eval.Options{}
	if *runFile != "" {
		f, err := os.Create(*runFile)
		if err != nil {
			return err
		}
		defer f.Close()
		opt.Run = f
	}
	rep, err := eval.Evaluate(ctx, set, sys, opt)
	if err != nil {
		return err
	}
	rep.BuildTime = build
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(rep)
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if *failures {
		writeFailures(stdout, rep)
	}
	return nil
}

// writeFailures lists judged questions whose first result is wrong or that
// were declined, and must-decline questions that were answered.
func writeFailures(w io.Writer, rep eval.Report) {
	fmt.Fprintln(w, "\nfailures:")
	for _, q := range rep.PerQuery {
		top := ""
		if len(q.Top) > 0 {
			top = q.Top[0]
		}
		switch {
		case q.Decline && q.Answered:
			fmt.Fprintf(w, "  %-8s answered, should decline  top=%s  %q\n", q.ID, top, q.Text)
		case q.Judged && q.FirstRelevant != 1:
			fmt.Fprintf(w, "  %-8s first relevant at %d  top=%s answered=%v  %q\n", q.ID, q.FirstRelevant, top, q.Answered, q.Text)
		case q.Judged && !q.Answered:
			fmt.Fprintf(w, "  %-8s declined, should answer  top=%s  %q\n", q.ID, top, q.Text)
		}
	}
}

// evalSystem answers a labelled set's questions the way ask does.
type evalSystem struct {
	index    *bleveindex.Index
	answerer *answer.Answerer
	byRef    bool // ids are section refs (the seeds) rather than document ids
}

// newEvalSystem indexes the set's corpus in memory, one document of one
// section per entry (its title as the question), or the shipped seeds
// when the set has no corpus.
func newEvalSystem(set *eval.Set) (*evalSystem, error) {
	var docs []*document.Document
	byRef := len(set.Corpus) == 0
	if byRef {
		var err error
		if docs, err = seeds.Documents(); err != nil {
			return nil, err
		}
	} else {
		docs = make([]*document.Document, 0, len(set.Corpus))
		for _, c := range set.Corpus {
			docs = append(docs, &document.Document{
				ID:       c.ID,
				Meta:     document.Metadata{Title: set.Name},
				Sections: []document.Section{{Question: c.Title, Paragraphs: []string{c.Text}}},
			})
		}
	}
	idx, _, err := bleveindex.Open("", bleveindex.DefaultTuning, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	if _, _, err := idx.Sync(docs); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("index %s: %w", set.Name, err)
	}
	return &evalSystem{index: idx, answerer: answer.New(idx, corpus.New(docs...), answer.Options{}), byRef: byRef}, nil
}

func (s *evalSystem) Search(ctx context.Context, q string, k int) (eval.Result, error) {
	rk, err := s.answerer.Search(ctx, q, "", k)
	if errors.Is(err, answer.ErrEmptyQuestion) || errors.Is(err, answer.ErrQuestionTooLong) {
		return eval.Result{}, nil // refused: declined
	}
	if err != nil {
		return eval.Result{}, err
	}
	res := eval.Result{Answered: rk.Answered}
	for _, c := range rk.Candidates {
		id := c.Ref.Document
		if s.byRef {
			id = c.Ref.String()
		}
		res.IDs = append(res.IDs, id)
		res.Scores = append(res.Scores, c.Score)
	}
	return res, nil
}
