package eval

import (
	"context"
	"errors"
	"testing"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
)

func TestSetDocuments(t *testing.T) {
	s := &Set{Name: "tiny", Corpus: []Doc{{ID: "d1", Title: "How do I reset?", Text: "Press reset."}}}
	docs := s.Documents()
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	d := docs[0]
	if d.ID != "d1" || d.Meta.Title != "tiny" || len(d.Sections) != 1 ||
		d.Sections[0].Question != "How do I reset?" || d.Sections[0].Answer() != "Press reset." {
		t.Errorf("document %+v", d)
	}
	if err := d.Validate(); err != nil {
		t.Error(err)
	}
	if (&Set{Name: "seeds"}).Documents() != nil {
		t.Error("a set without a corpus has documents")
	}
}

type fakeRanker struct {
	rk  answer.Ranking
	err error
}

func (f fakeRanker) Search(context.Context, string, string, int) (answer.Ranking, error) {
	return f.rk, f.err
}

func TestAnswererSystem(t *testing.T) {
	rk := answer.Ranking{Answered: true, Candidates: []answer.Hit{
		{Ref: document.Ref{Document: "a", Section: 3}, Score: 2},
		{Ref: document.Ref{Document: "b", Section: 1}, Score: 1},
	}}
	res, err := AnswererSystem{Answerer: fakeRanker{rk: rk}}.Search(context.Background(), "q", 10)
	if err != nil || !res.Answered || len(res.IDs) != 2 || res.IDs[0] != "a" || res.Scores[1] != 1 {
		t.Errorf("by document: %+v, %v", res, err)
	}
	res, _ = AnswererSystem{Answerer: fakeRanker{rk: rk}, BySection: true}.Search(context.Background(), "q", 10)
	if res.IDs[0] != "a#q3" {
		t.Errorf("by section: %v", res.IDs)
	}
	res, err = AnswererSystem{Answerer: fakeRanker{err: answer.ErrEmptyQuestion}}.Search(context.Background(), "", 10)
	if err != nil || res.Answered || len(res.IDs) != 0 {
		t.Errorf("refused question: %+v, %v", res, err)
	}
	boom := errors.New("boom")
	if _, err := (AnswererSystem{Answerer: fakeRanker{err: boom}}).Search(context.Background(), "q", 10); !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
}
