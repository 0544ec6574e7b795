package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
)

// Service is what answers questions: *answer.Answerer, or a wrapper of it.
type Service interface {
	Ask(ctx context.Context, question, server string, top int) (answer.Answer, error)
	Search(ctx context.Context, question, server string, k int) (answer.Ranking, error)
	Link(d *document.Document, section int) string
	QuoteFor(d *document.Document, section int, terms []string, maxChars int) (answer.Hit, bool)
}

// Answerer counts the questions asked through it. Every caller that answers
// people (the bot, the web page) asks through one Answerer, so the counts
// are the service's. It is safe for concurrent use when next is.
type Answerer struct {
	next Service
	reg  *Registry
	now  func() time.Time
}

// Instrument returns next with its questions counted in reg.
func Instrument(next Service, reg *Registry) *Answerer {
	return &Answerer{next: next, reg: reg, now: time.Now}
}

// Ask asks next and counts the question in verbatim_questions_total; a
// declined one also in verbatim_questions_declined_total; its latency in
// verbatim_answer_seconds unless it was refused (ErrEmptyQuestion,
// ErrQuestionTooLong); and any other error, except the caller's own
// cancellation, in verbatim_errors_total{kind="answer"}. It returns what
// next returns.
func (a *Answerer) Ask(ctx context.Context, question, server string, top int) (answer.Answer, error) {
	start := a.now()
	ans, err := a.next.Ask(ctx, question, server, top)
	took := a.now().Sub(start)
	switch {
	case err == nil:
		a.reg.question(!ans.Answered, took)
	case errors.Is(err, answer.ErrEmptyQuestion), errors.Is(err, answer.ErrQuestionTooLong):
		a.reg.question(false, -1)
	default:
		a.reg.question(false, took)
		if !errors.Is(err, context.Canceled) {
			a.reg.Error("answer")
		}
	}
	return ans, err
}

// Search asks next, counting unexpected errors as Ask does; rankings (for
// autocomplete, say) are not questions answered, so nothing else is
// counted.
func (a *Answerer) Search(ctx context.Context, question, server string, k int) (answer.Ranking, error) {
	rk, err := a.next.Search(ctx, question, server, k)
	if err != nil && !errors.Is(err, answer.ErrEmptyQuestion) && !errors.Is(err, answer.ErrQuestionTooLong) && !errors.Is(err, context.Canceled) {
		a.reg.Error("answer")
	}
	return rk, err
}

// Link returns next's link.
func (a *Answerer) Link(d *document.Document, section int) string { return a.next.Link(d, section) }

// QuoteFor returns next's quote.
func (a *Answerer) QuoteFor(d *document.Document, section int, terms []string, maxChars int) (answer.Hit, bool) {
	return a.next.QuoteFor(d, section, terms, maxChars)
}
