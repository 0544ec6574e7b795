package library

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/store"
)

// refreshLocked brings the corpus, and the index when there is one, in line
// with the store, reading only the files whose size or time changed. The
// caller holds l.mu. Damaged files are logged (once per version of the
// file) and left out.
func (l *Library) refreshLocked() (changed, removed int, err error) {
	if l.store == nil {
		return 0, 0, nil
	}
	states, err := l.store.List()
	if err != nil {
		return 0, 0, err
	}
	x := l.index.get()
	var put []*document.Document
	drop := func(id string) error {
		if _, ok := l.records[id]; !ok {
			return nil
		}
		delete(l.records, id)
		l.corpus.Remove(id)
		removed++
		if x != nil {
			if err := x.Remove(id); err != nil && !errors.Is(err, bleveindex.ErrNotFound) {
				l.stale = true
				return fmt.Errorf("unindex %s: %w", id, err)
			}
		}
		return nil
	}
	seen := make(map[string]bool, len(states))
	for _, st := range states {
		if old, ok := l.files[st.ID]; ok && old.Size == st.Size && old.MTime.Equal(st.MTime) {
			seen[st.ID] = true
			continue
		}
		rec, err := l.store.Get(st.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue // removed since the listing
		case errors.Is(err, store.ErrDamaged):
			seen[st.ID] = true
			l.files[st.ID] = st
			l.log.Warn("skipping damaged document file", "dir", l.store.Dir(), "err", err)
			if err := drop(st.ID); err != nil {
				return changed, removed, err
			}
			continue
		case err != nil:
			return changed, removed, err
		}
		seen[st.ID] = true
		l.files[st.ID] = st
		if _, ok := l.seeds[rec.ID]; ok {
			l.log.Warn("skipping document file that reuses the id of a shipped document", "id", rec.ID)
			continue
		}
		d := rec.Document
		s := &stored{server: rec.Server, name: rec.Name, format: rec.Format, hash: rec.SHA256,
			added: rec.Added, bytes: len(rec.Original), doc: &d}
		l.records[rec.ID] = s
		l.corpus.Put(s.doc)
		put = append(put, s.doc)
		changed++
	}
	for id := range l.files {
		if !seen[id] {
			delete(l.files, id)
			if err := drop(id); err != nil {
				return changed, removed, err
			}
		}
	}
	if x != nil && len(put) > 0 {
		if err := x.Put(put...); err != nil {
			l.stale = true
			return changed, removed, fmt.Errorf("index changed documents: %w", err)
		}
	}
	l.version = store.Fingerprint(states)
	return changed, removed, nil
}

// Reconcile brings the corpus and the index in line with the store:
// documents added or changed by another process are (re)indexed, removed
// ones dropped, and anything else the index holds that the corpus lacks is
// removed. It returns only unexpected errors.
func (l *Library) Reconcile(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errClosed
	}
	changed, removed, err := l.refreshLocked()
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	x := l.index.get()
	if x == nil {
		return nil
	}
	indexed, dropped, err := x.Sync(l.corpus.All())
	if err != nil {
		l.stale = true
		return fmt.Errorf("reconcile index: %w", err)
	}
	l.stale = false
	if changed+removed+indexed+dropped > 0 {
		l.log.Info("reconciled with the store", "changed", changed, "removed", removed, "reindexed", indexed, "unindexed", dropped)
	}
	return nil
}

// Watch checks the store's fingerprint every interval (2 s when every is
// not positive) and, when another process changed the store, brings the
// corpus and the index in line with it. While another process owns the
// index directory, it also tries to take it over (the process ended: a
// command run while the bot started, say), to answer from the index on
// disk rather than one in memory. It logs what it does and any error, and
// returns when ctx ends. With no store it only waits.
func (l *Library) Watch(ctx context.Context, every time.Duration) {
	if l.store == nil {
		<-ctx.Done()
		return
	}
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := l.store.Version()
		if err != nil {
			l.log.Error("watch document store", "err", err)
			continue
		}
		l.mu.Lock()
		if v != l.version && !l.closed {
			changed, removed, err := l.refreshLocked()
			if err != nil {
				l.log.Error("update from document store", "err", err)
			} else if changed+removed > 0 {
				l.log.Info("documents changed by another process", "changed", changed, "removed", removed)
			}
		}
		if l.shared && !l.ownerOld && !l.closed {
			l.takeOverIndexLocked()
		}
		if l.stale && !l.closed {
			// An index update failed (a full disk, say): the corpus has
			// the change, so bring the index to it until that works.
			if x := l.index.get(); x != nil {
				if indexed, dropped, err := x.Sync(l.corpus.All()); err != nil {
					l.log.Error("bring the index in line with the documents", "err", err)
				} else {
					l.stale = false
					l.log.Info("index brought in line with the documents", "indexed", indexed, "removed", dropped)
				}
			}
		}
		l.mu.Unlock()
	}
}

// takeOverIndexLocked moves the library from its index in memory to the
// index directory once no other process owns it. After a failure it waits
// a minute before trying again: the failure (a full disk, say) is logged
// once a try, and each try holds l.mu. The caller holds l.mu.
func (l *Library) takeOverIndexLocked() {
	if l.now().Before(l.nextTakeOver) {
		return
	}
	if err := l.openOwnedIndex(); err != nil {
		l.nextTakeOver = l.now().Add(time.Minute)
		l.log.Error("take over the index directory", "err", err)
		return
	}
	if !l.shared {
		l.stale = false // just brought in line with the corpus
		l.log.Info("index directory free: answering from the index on disk", "dir", filepath.Join(l.dataDir, indexDir))
	}
}

// rebuildChunk is how many documents go into one index batch while
// rebuilding: progress is reported after each.
const rebuildChunk = 50

// Rebuild builds the whole index anew from the seeds and the store, into
// a new directory, then swaps it for the old one; searches go on against
// the old index meanwhile and other changes wait. progress, when not nil,
// is called with the documents done and the total. It returns an *Error of
// kind Busy when another process owns the index directory, ctx's error
// when ctx ends first (the old index stays), and unexpected errors.
func (l *Library) Rebuild(ctx context.Context, progress func(done, total int)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errClosed
	}
	if l.shared {
		return userErr(Busy, "The index is in use by another process (is the bot running?); stop it, then rebuild the index.")
	}
	if _, _, err := l.refreshLocked(); err != nil {
		return err
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	docs := l.corpus.All()
	fill := func(x *bleveindex.Index) error {
		progress(0, len(docs))
		for done := 0; done < len(docs); {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := min(rebuildChunk, len(docs)-done)
			if err := x.Put(docs[done : done+n]...); err != nil {
				return fmt.Errorf("rebuild index: %w", err)
			}
			done += n
			progress(done, len(docs))
		}
		return nil
	}
	if l.dataDir == "" {
		x, _, err := bleveindex.Open("", l.tuning, l.log)
		if err != nil {
			return err
		}
		if err := fill(x); err != nil {
			_ = x.Close()
			return err
		}
		if old := l.index.set(x); old != nil {
			return old.Close()
		}
		return nil
	}

	dir := filepath.Join(l.dataDir, indexDir)
	next, prev := dir+".rebuild", dir+".old"
	if err := os.RemoveAll(next); err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	x, _, err := bleveindex.Open(next, l.tuning, l.log)
	if err != nil {
		return fmt.Errorf("rebuild index: %w", err)
	}
	if err := fill(x); err != nil {
		_ = x.Close()
		_ = os.RemoveAll(next)
		return err
	}
	if err := x.Close(); err != nil {
		_ = os.RemoveAll(next)
		return fmt.Errorf("rebuild index: %w", err)
	}
	// A leftover of an earlier rebuild goes before the old index closes:
	// failing here leaves the index open and answering.
	if err := os.RemoveAll(prev); err != nil {
		_ = os.RemoveAll(next)
		return fmt.Errorf("rebuild index: remove the leftover %s: %w", prev, err)
	}
	// The swap: the old index is closed before the new one opens in its
	// place, so the directory never has two writers. Searches wait. From
	// here every way out reopens an index in dir.
	l.index.mu.Lock()
	defer l.index.mu.Unlock()
	if l.index.x != nil {
		if err := l.index.x.Close(); err != nil {
			l.log.Warn("close old index", "err", err)
		}
		l.index.x = nil
	}
	crashPoint("rebuild:swap") // no process holds bleve's lock on dir now
	if err := os.Rename(dir, prev); err != nil && !errors.Is(err, os.ErrNotExist) {
		return l.reopenLocked(dir, fmt.Errorf("rebuild index: %w", err))
	}
	if err := os.Rename(next, dir); err != nil {
		_ = os.Rename(prev, dir)
		return l.reopenLocked(dir, fmt.Errorf("rebuild index: %w", err))
	}
	if err := store.SyncDir(l.dataDir); err != nil {
		l.log.Warn("sync data directory", "err", err)
	}
	if err := l.reopenLocked(dir, nil); err != nil {
		return err
	}
	if err := os.RemoveAll(prev); err != nil {
		l.log.Warn("remove old index", "dir", prev, "err", err)
	}
	return nil
}

// reopenLocked opens the index in dir after a swap, succeeded (cause nil)
// or failed, and returns cause or the error of opening. The caller holds
// l.mu and l.index.mu.
func (l *Library) reopenLocked(dir string, cause error) error {
	x, _, err := bleveindex.Open(dir, l.tuning, l.log)
	if err != nil {
		return errors.Join(cause, fmt.Errorf("reopen index: %w", err))
	}
	if _, _, err := x.Sync(l.corpus.All()); err != nil {
		l.index.x = x
		return errors.Join(cause, fmt.Errorf("reopen index: %w", err))
	}
	l.index.x = x
	return cause
}
