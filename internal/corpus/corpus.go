// Package corpus holds the documents Verbatim answers from, in memory, by
// id and by owning server.
package corpus

import (
	"sort"
	"sync"

	"github.com/verbatimbot/verbatim/internal/document"
)

// Set is a set of documents. It is safe for concurrent use; documents put
// in it must not be changed afterwards (replace them instead).
type Set struct {
	mu   sync.RWMutex
	byID map[string]*document.Document
}

// New returns a set holding docs.
func New(docs ...*document.Document) *Set {
	s := &Set{byID: make(map[string]*document.Document, len(docs))}
	for _, d := range docs {
		s.byID[d.ID] = d
	}
	return s
}

// Put adds d, replacing any document with its id.
func (s *Set) Put(d *document.Document) {
	s.mu.Lock()
	s.byID[d.ID] = d
	s.mu.Unlock()
}

// Remove deletes the document with this id and reports whether it was there.
func (s *Set) Remove(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.byID[id]
	delete(s.byID, id)
	return ok
}

// Document returns the document with this id.
func (s *Set) Document(id string) (*document.Document, bool) {
	s.mu.RLock()
	d, ok := s.byID[id]
	s.mu.RUnlock()
	return d, ok
}

// Documents returns the documents owned by server ("" for those answered
// everywhere), ordered by id.
func (s *Set) Documents(server string) []*document.Document {
	s.mu.RLock()
	var out []*document.Document
	for _, d := range s.byID {
		if d.Server == server {
			out = append(out, d)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// All returns every document, ordered by id.
func (s *Set) All() []*document.Document {
	s.mu.RLock()
	out := make([]*document.Document, 0, len(s.byID))
	for _, d := range s.byID {
		out = append(out, d)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Len is the number of documents.
func (s *Set) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.byID)
}
