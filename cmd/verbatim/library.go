package main

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/corpus"
	"github.com/verbatimbot/verbatim/seeds"
)

// library is the corpus, its index and the answerer over them.
type library struct {
	corpus   *corpus.Set
	index    *bleveindex.Index
	answerer *answer.Answerer
}

func (l *library) Close() error { return l.index.Close() }

// dataDir returns DATA_DIR or its default.
func dataDir(getenv func(string) string) string {
	if d := strings.TrimSpace(getenv("DATA_DIR")); d != "" {
		return d
	}
	return "data"
}

// openLibrary loads the seeds and opens the index under dir (in memory when
// dir is ""), bringing the index in line with the corpus. When another
// process owns the index directory, it answers from an index in memory.
func openLibrary(dir string, log *slog.Logger) (*library, error) {
	docs, err := seeds.Documents()
	if err != nil {
		return nil, err
	}
	set := corpus.New(docs...)
	path := ""
	if dir != "" {
		path = filepath.Join(dir, "index")
	}
	start := time.Now()
	idx, _, err := bleveindex.Open(path, bleveindex.DefaultTuning, log)
	if errors.Is(err, bleveindex.ErrLocked) {
		log.Info("index in use by another process; answering from memory", "dir", path)
		idx, _, err = bleveindex.Open("", bleveindex.DefaultTuning, log)
	}
	if err != nil {
		return nil, err
	}
	indexed, removed, err := idx.Sync(set.All())
	if err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("bring index up to date: %w", err)
	}
	if indexed+removed > 0 {
		log.Info("index updated", "indexed", indexed, "removed", removed, "took", time.Since(start).Round(time.Millisecond))
	}
	return &library{corpus: set, index: idx, answerer: answer.New(idx, set, answer.Options{})}, nil
}
