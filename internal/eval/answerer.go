package eval

import (
	"context"
	"errors"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
)

// Documents turns the set's corpus into documents of one section each —
// the entry's title as the question, its text as the answer — so an
// outside set is indexed the way interviews are. Every document gets the
// set's name as its title. It returns nil for a set without a corpus.
func (s *Set) Documents() []*document.Document {
	if len(s.Corpus) == 0 {
		return nil
	}
	docs := make([]*document.Document, 0, len(s.Corpus))
	for _, c := range s.Corpus {
		docs = append(docs, &document.Document{
			ID:       c.ID,
			Meta:     document.Metadata{Title: s.Name},
			Sections: []document.Section{{Question: c.Title, Paragraphs: []string{c.Text}}},
		})
	}
	return docs
}

// Ranker is the part of answer.Answerer that evaluation uses.
type Ranker interface {
	Search(ctx context.Context, question, server string, k int) (answer.Ranking, error)
}

// AnswererSystem evaluates an answerer as the product runs it: its ranking,
// and its decision whether to answer. Result ids are document ids, or
// section refs ("doc#q3") when BySection is set, as for the seed set.
type AnswererSystem struct {
	Answerer  Ranker
	BySection bool
}

// Search implements System. A question the answerer refuses (empty, too
// long) counts as declined.
func (s AnswererSystem) Search(ctx context.Context, q string, k int) (Result, error) {
	rk, err := s.Answerer.Search(ctx, q, "", k)
	if errors.Is(err, answer.ErrEmptyQuestion) || errors.Is(err, answer.ErrQuestionTooLong) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	res := Result{Answered: rk.Answered}
	for _, c := range rk.Candidates {
		id := c.Ref.Document
		if s.BySection {
			id = c.Ref.String()
		}
		res.IDs = append(res.IDs, id)
		res.Scores = append(res.Scores, c.Score)
	}
	return res, nil
}
