// Package library is the application service the command line and the
// Discord bot share: the corpus (shipped seeds and the documents moderators
// add), the document store that is its source of truth, the search index
// derived from it, and the answerer over both. It validates uploads,
// stores them durably, keeps the index in line with the store (also when
// another process changed the store) and rebuilds the index. Its API shows
// no bleve type.
package library

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/corpus"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/store"
	"github.com/verbatimbot/verbatim/seeds"
)

// crashPoint is called at each step of Add and Remove, the store's steps
// included, and at a rebuild's swap; crash tests replace it to kill the
// process at that step (and TestRebuildSwapWithStartingProcess to start
// another library at the swap).
var crashPoint = func(step string) {}

// Options configure a Library; every field may be left zero.
type Options struct {
	Log           *slog.Logger      // nil discards
	Tuning        bleveindex.Tuning // zero = bleveindex.DefaultTuning
	AnswerOptions answer.Options
}

// Entry describes one document, as list, show and add report it.
type Entry struct {
	ID            string    `json:"id"`
	Title         string    `json:"title"`
	Server        string    `json:"server"` // "" = answered everywhere
	SourceURL     string    `json:"source_url,omitempty"`
	Format        string    `json:"format"`
	Language      string    `json:"language"`
	Speakers      []string  `json:"speakers"`    // distinct askers and answerers, in order of appearance
	Interviewer   string    `json:"interviewer"` // who asks, as given or inferred ("" when no one does)
	Interviewee   string    `json:"interviewee"` // who answers
	Questions     int       `json:"questions"`
	FirstQuestion string    `json:"first_question"`
	Added         time.Time `json:"added"` // zero for seeds
	Bytes         int       `json:"bytes"` // size of the upload; 0 for seeds
	Seed          bool      `json:"seed"`  // shipped with the bot; cannot be removed
}

// Library is the corpus, its store, its index and the answerer. It is safe
// for concurrent use; changes are serialised.
type Library struct {
	log     *slog.Logger
	tuning  bleveindex.Tuning
	dataDir string
	store   *store.Store // nil when everything is in memory
	now     func() time.Time

	seeds    map[string]*document.Document
	corpus   *corpus.Set
	index    *liveIndex
	answerer *answer.Answerer

	mu           sync.Mutex                 // serialises changes; guards what follows
	shared       bool                       // another process owns the index directory
	ownerOld     bool                       // it holds bleve's lock without indexLock: do not try to take over
	nextTakeOver time.Time                  // after a failed take-over, when to try again
	unlockIx     func()                     // releases indexLock, held while this process owns the index
	records      map[string]*stored         // valid stored documents by id
	files        map[string]store.FileState // last state seen of every document file, damaged ones too
	version      string                     // store fingerprint at the last refresh
	stale        bool                       // an index update failed: Watch re-syncs the index
	closed       bool
}

// stored is what the library keeps of a stored document: the record
// without the original bytes.
type stored struct {
	server, name, format, hash string
	added                      time.Time
	bytes                      int
	doc                        *document.Document
}

// Paths under the data directory.
const (
	documentsDir = "documents"
	indexDir     = "index"
	indexLock    = "index.lock" // held by the process that owns indexDir
)

// Open opens the library in dataDir: the seeds, the documents stored under
// dataDir/documents and the index in dataDir/index, brought in line with
// them. With dataDir "" there is no store and the index is in memory (for
// tests and quick runs). Damaged document files are logged and skipped.
// When another process owns the index directory, the library answers from
// an index in memory built on first use, and IndexShared reports true
// until Watch takes the directory over (once that process has closed it).
// Open returns an *Error of kind Busy when another process holds the
// store's lock for too long, and unexpected errors otherwise.
func Open(dataDir string, opt Options) (*Library, error) {
	ctx := context.Background()
	l := &Library{log: opt.Log, tuning: opt.Tuning, dataDir: dataDir, now: time.Now,
		seeds: map[string]*document.Document{}, index: &liveIndex{},
		records: map[string]*stored{}, files: map[string]store.FileState{}}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.tuning == (bleveindex.Tuning{}) {
		l.tuning = bleveindex.DefaultTuning
	}
	seedDocs, err := seeds.Documents()
	if err != nil {
		return nil, fmt.Errorf("load seeds: %w", err)
	}
	for _, d := range seedDocs {
		l.seeds[d.ID] = d
	}
	l.corpus = corpus.New(seedDocs...)
	l.answerer = answer.New(l.index, l.corpus, opt.AnswerOptions)

	if dataDir == "" {
		x, _, err := bleveindex.Open("", l.tuning, l.log)
		if err != nil {
			return nil, err
		}
		if _, _, err := x.Sync(l.corpus.All()); err != nil {
			_ = x.Close()
			return nil, fmt.Errorf("index seeds: %w", err)
		}
		l.index.set(x)
		return l, nil
	}

	st, err := store.Open(ctx, filepath.Join(dataDir, documentsDir))
	if errors.Is(err, store.ErrBusy) {
		return nil, errBusyStore
	}
	if err != nil {
		return nil, err
	}
	st.Hook = func(step string) { crashPoint(step) }
	l.store = st
	l.mu.Lock()
	_, _, err = l.refreshLocked()
	l.mu.Unlock()
	if err != nil {
		return nil, err
	}

	if err := l.openOwnedIndex(); err != nil {
		return nil, err
	}
	if l.shared {
		l.log.Info("index in use by another process; answering from memory", "dir", filepath.Join(dataDir, indexDir))
	}
	return l, nil
}

// openOwnedIndex takes the index directory when no other process owns it:
// its lock, the index brought in line with the corpus, and the leftovers
// of a crashed rebuild removed. It sets l.shared when another process owns
// it (and l.ownerOld when that process holds bleve's lock without the lock
// file: a version from before it, which no later try can take over from).
// On an error nothing is held. The caller holds l.mu, or has not shared l.
func (l *Library) openOwnedIndex() error {
	start := time.Now()
	dir := filepath.Join(l.dataDir, indexDir)
	unlock, owner, err := tryLockIndex(filepath.Join(l.dataDir, indexLock))
	if err != nil {
		return err
	}
	if !owner {
		l.shared = true
		return nil
	}
	x, _, err := bleveindex.Open(dir, l.tuning, l.log)
	if errors.Is(err, bleveindex.ErrLocked) {
		unlock()
		l.shared, l.ownerOld = true, true
		return nil
	}
	if err != nil {
		unlock()
		return fmt.Errorf("open index: %w", err)
	}
	// We own the index, so no rebuild of another process is in flight:
	// what a crashed rebuild left is garbage.
	for _, leftover := range []string{dir + ".rebuild", dir + ".old"} {
		if err := os.RemoveAll(leftover); err != nil {
			l.log.Warn("cannot remove leftover of an index rebuild", "dir", leftover, "err", err)
		}
	}
	indexed, removed, err := x.Sync(l.corpus.All())
	if err != nil {
		_ = x.Close()
		unlock()
		return fmt.Errorf("bring index up to date: %w", err)
	}
	if indexed+removed > 0 {
		l.log.Info("index updated", "indexed", indexed, "removed", removed, "took", time.Since(start).Round(time.Millisecond))
	}
	if old := l.index.set(x); old != nil {
		_ = old.Close() // the index in memory answered until now
	}
	l.shared, l.unlockIx = false, unlock
	return nil
}

var errBusyStore = userErr(Busy, "Another process is changing the documents right now; try again in a moment.")

// Answerer returns the answerer over the corpus. It stays valid across
// Rebuild. When the index is shared with another process, the first call
// builds the index in memory (logging, not returning, a failure).
func (l *Library) Answerer() *answer.Answerer {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shared && !l.closed && l.index.get() == nil {
		start := time.Now()
		x, _, err := bleveindex.Open("", l.tuning, l.log)
		if err == nil {
			if _, _, err = x.Sync(l.corpus.All()); err != nil {
				_ = x.Close()
			}
		}
		if err != nil {
			l.log.Error("cannot build the index in memory", "err", err)
		} else {
			l.index.set(x)
			l.log.Info("index built in memory", "documents", l.corpus.Len(), "took", time.Since(start).Round(time.Millisecond))
		}
	}
	return l.answerer
}

// Corpus returns the documents answered from: seeds and stored documents
// of every server. It cannot fail.
func (l *Library) Corpus() *corpus.Set { return l.corpus }

// IndexShared reports whether another process (normally the running bot)
// owns the index directory, so that this library answers from memory and
// cannot rebuild the index; Watch may take the directory over later. It
// cannot fail.
func (l *Library) IndexShared() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.shared
}

// Close closes the index and returns the error of closing it, if any.
// Changes attempted afterwards return an unexpected error.
func (l *Library) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var err error
	if x := l.index.set(nil); x != nil {
		err = x.Close()
	}
	if l.unlockIx != nil {
		l.unlockIx() // after the index is closed
	}
	return err
}

var errClosed = errors.New("library closed")

// entry describes a stored document.
func (s *stored) entry() Entry {
	e := describe(s.doc)
	e.Format, e.Added, e.Bytes = s.format, s.added, s.bytes
	return e
}

func describe(d *document.Document) Entry {
	e := Entry{ID: d.ID, Title: d.Meta.Title, Server: d.Server, SourceURL: d.Meta.SourceURL,
		Language: d.Meta.Language, Speakers: d.Speakers(), Questions: len(d.Sections),
		Interviewer: d.Meta.Interviewer, Interviewee: d.Meta.Interviewee}
	if e.Speakers == nil {
		e.Speakers = []string{}
	}
	if len(d.Sections) > 0 {
		e.FirstQuestion = d.Sections[0].Question
	}
	return e
}

func seedEntry(d *document.Document) Entry {
	e := describe(d)
	e.Format, e.Seed = "transcript", true
	return e
}

// List returns the documents visible to server, seeds first (Seed true),
// then stored documents in the order they were added. Server "" (the
// operator) sees every stored document; a Discord server sees its own and
// those the operator added for every server (Server "").
// It cannot fail: it reads what the library holds in memory.
func (l *Library) List(server string) []Entry {
	var out []Entry
	for _, d := range l.seedList() {
		out = append(out, seedEntry(d))
	}
	l.mu.Lock()
	var mine []Entry
	for _, s := range l.records {
		if server == "" || s.server == server || s.server == "" {
			mine = append(mine, s.entry())
		}
	}
	l.mu.Unlock()
	slices.SortFunc(mine, func(a, b Entry) int {
		if c := a.Added.Compare(b.Added); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return append(out, mine...)
}

func (l *Library) seedList() []*document.Document {
	out := make([]*document.Document, 0, len(l.seeds))
	for _, d := range l.seeds {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *document.Document) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Show describes one document visible to server (see List). It returns an
// *Error of kind NotFound for an id that is not one, or that names a
// document of another server. A document added for every server is
// visible to each.
func (l *Library) Show(id, server string) (Entry, error) {
	if d, ok := l.seeds[id]; ok {
		return seedEntry(d), nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.records[id]
	if !ok || !store.ValidID(id) || (server != "" && s.server != server && s.server != "") {
		return Entry{}, notFound(id)
	}
	return s.entry(), nil
}

func notFound(id string) *Error {
	return userErr(NotFound, "There is no document %s. The list command shows the ids.", quoteID(id))
}

// quoteID quotes an id typed by a user for a message: escaped, clipped.
func quoteID(id string) string { return fmt.Sprintf("%q", clip(id, 60)) }
