package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/corpus"
	"github.com/verbatimbot/verbatim/internal/eval"
	"github.com/verbatimbot/verbatim/seeds"
)

func runEval(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	qrels := fs.String("qrels", "", "qrels TSV (default DIR/qrels.tsv, else DIR/qrels_test.tsv, else DIR/qrels/test.tsv)")
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
	sys, err := newEvalSystem(set, bleveindex.DefaultTuning, answer.Options{})
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

// evalSystem is a labelled set's corpus indexed in memory, answered the
// way ask answers.
type evalSystem struct {
	eval.AnswererSystem
	index *bleveindex.Index
}

// newEvalSystem indexes the set's corpus in memory, or, when the set has
// no corpus, the shipped seeds and the set's own documents, with the given
// ranking and answer options.
func newEvalSystem(set *eval.Set, tuning bleveindex.Tuning, opt answer.Options) (*evalSystem, error) {
	docs := set.Documents()
	bySection := docs == nil
	if bySection {
		var err error
		if docs, err = seeds.Documents(); err != nil {
			return nil, err
		}
		more, err := eval.LoadDocuments(set.Dir)
		if err != nil {
			return nil, err
		}
		docs = append(docs, more...)
	}
	idx, _, err := bleveindex.Open("", tuning, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	if _, _, err := idx.Sync(docs); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("index %s: %w", set.Name, err)
	}
	a := answer.New(idx, corpus.New(docs...), opt)
	return &evalSystem{AnswererSystem: eval.AnswererSystem{Answerer: a, BySection: bySection}, index: idx}, nil
}
