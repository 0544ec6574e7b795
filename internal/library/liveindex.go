package library

import (
	"context"
	"errors"
	"sync"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
)

// liveIndex is the index the answerer searches. Rebuild swaps the index
// under it, so the answerer handed out stays valid.
type liveIndex struct {
	mu sync.RWMutex
	x  *bleveindex.Index // nil before the first use of a shared index, and after Close
}

var errNoIndex = errors.New("the index is not open")

func (li *liveIndex) get() *bleveindex.Index {
	li.mu.RLock()
	defer li.mu.RUnlock()
	return li.x
}

// set replaces the index and returns the previous one, for the caller to
// close: no search is using it once set returns.
func (li *liveIndex) set(x *bleveindex.Index) *bleveindex.Index {
	li.mu.Lock()
	defer li.mu.Unlock()
	old := li.x
	li.x = x
	return old
}

// Search implements answer.Index.
func (li *liveIndex) Search(ctx context.Context, q answer.Query) (answer.Result, error) {
	li.mu.RLock()
	defer li.mu.RUnlock()
	if li.x == nil {
		return answer.Result{}, errNoIndex
	}
	return li.x.Search(ctx, q)
}

// Analyze implements answer.Index.
func (li *liveIndex) Analyze(lang, text string) []answer.Token {
	li.mu.RLock()
	defer li.mu.RUnlock()
	if li.x == nil {
		return nil
	}
	return li.x.Analyze(lang, text)
}
