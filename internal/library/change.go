package library

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/verbatimbot/verbatim/internal/bleveindex"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/store"
)

// Add validates an upload, stores it durably and indexes it, and returns
// once it is searchable in this process (when another process owns the
// index, that process picks it up from the store within seconds). It
// returns an *Error of kind Invalid (empty, binary, not UTF-8, an HTML
// page, no recognisable questions, a bad title, URL or format), TooLarge
// (over MaxUploadBytes), Duplicate (the same file is already stored for
// this server or for every server, or its questions and answers are a
// seed's) or Busy (another process holds the store); in all these cases
// nothing changed. Other errors are unexpected; if one comes after the
// document was stored, it is indexed by Watch's next tick, Reconcile or the
// next start.
func (l *Library) Add(ctx context.Context, u Upload) (Entry, error) {
	es, errs := l.AddAll(ctx, []Upload{u})
	return es[0], errs[0]
}

// AddAll adds uploads as Add does, each on its own (one refused changes
// nothing of the others), and returns each one's entry or error in their
// order. The documents it stores go into the index in one batch: bleve
// persisting a batch is most of an add, so many documents are added
// several times faster together than one by one.
func (l *Library) AddAll(ctx context.Context, uploads []Upload) ([]Entry, []error) {
	entries, errs := make([]Entry, len(uploads)), make([]error, len(uploads))
	preps := make([]*prepared, len(uploads))
	for i, u := range uploads {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		preps[i], errs[i] = prepare(u)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fail := func(err error) ([]Entry, []error) {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return entries, errs
	}
	if l.closed {
		return fail(errClosed)
	}
	unlock := func() {}
	if l.store != nil {
		var err error
		if unlock, err = l.lockStore(ctx); err != nil {
			return fail(err)
		}
		// Another process may have changed the store since we looked.
		if _, _, err := l.refreshLocked(); err != nil {
			unlock()
			return fail(err)
		}
	}
	var added []int // of uploads, stored
	for i, u := range uploads {
		if errs[i] != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		p := preps[i]
		if err := l.duplicate(p, u.Server); err != nil {
			errs[i] = err
			continue
		}
		doc := p.doc
		doc.ID = store.NewID(idTitle(doc.Meta.Title, u.Server), l.taken)
		doc.Server = u.Server
		rec := &store.Record{ID: doc.ID, Server: u.Server, Name: u.Name, Format: p.format, SHA256: p.hash,
			Added: l.now().UTC(), Original: string(u.Data), Document: doc}
		if l.store != nil {
			st, err := l.store.Create(rec)
			if err != nil {
				errs[i] = fmt.Errorf("add %s: %w", doc.ID, err)
				continue
			}
			l.files[doc.ID] = st
		}
		s := &stored{server: rec.Server, name: rec.Name, format: rec.Format, hash: rec.SHA256,
			added: rec.Added, bytes: len(u.Data), doc: &doc}
		l.records[doc.ID] = s
		l.corpus.Put(s.doc)
		entries[i] = s.entry()
		added = append(added, i)
	}
	unlock()
	if len(added) == 0 {
		return entries, errs
	}
	docs := make([]*document.Document, len(added))
	for k, i := range added {
		docs[k] = l.records[entries[i].ID].doc
	}
	crashPoint("add:index-started")
	if x := l.index.get(); x != nil {
		if err := x.Put(docs...); err != nil {
			l.stale = true // Watch retries
			for _, i := range added {
				errs[i] = fmt.Errorf("document %s is stored but not yet searchable: %w", entries[i].ID, err)
			}
			return entries, errs
		}
	}
	crashPoint("add:indexed")
	for _, d := range docs {
		l.log.Info("document added", "id", d.ID, "server", d.Server, "questions", len(d.Sections), "bytes", l.records[d.ID].bytes)
	}
	return entries, errs
}

// lockStore takes the store's lock, turning a timeout into an *Error.
func (l *Library) lockStore(ctx context.Context) (func(), error) {
	unlock, err := l.store.Lock(ctx)
	if errors.Is(err, store.ErrBusy) {
		return nil, errBusyStore
	}
	return unlock, err
}

// taken reports whether an id is in use: a seed, a stored document or a
// document file, damaged or not. The caller holds l.mu.
// idTitle is what a document's id is made from: its title, and for a
// server's own document a short hash of the server and the title's slug.
// Without it, a moderator adding a title another server holds would get
// "-2" and so learn of that server's document; with it, a server's ids
// depend on nothing outside it (but for a collision of 24 bits).
func idTitle(title, server string) string {
	if server == "" {
		return title
	}
	slug := store.Slug(title, store.MaxIDLen-7)
	h := sha256.Sum256([]byte(server + "\x00" + slug))
	return slug + "-" + hex.EncodeToString(h[:3])
}

func (l *Library) taken(id string) bool {
	_, seed := l.seeds[id]
	_, rec := l.records[id]
	_, file := l.files[id]
	return seed || rec || file
}

// duplicate returns an *Error when the upload is already in the corpus for
// its server (or, added for every server, in any server). The caller holds
// l.mu.
func (l *Library) duplicate(p *prepared, server string) error {
	ids := make([]string, 0, len(l.records))
	for id := range l.records {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s := l.records[id]
		// Adding for every server (the operator's CLI) what a server has
		// would answer it twice there; the operator may see every server.
		if s.hash == p.hash && (s.server == server || s.server == "" || server == "") {
			where := "for this server"
			switch {
			case s.server == "":
				where = "for every server"
			case server == "":
				where = "for server " + s.server
			}
			return userErr(Duplicate, "This file is already in the corpus %s, as %s (%q); nothing was added.", where, id, s.doc.Meta.Title)
		}
	}
	for _, d := range l.seedList() {
		if slices.EqualFunc(d.Sections, p.doc.Sections, sameSection) {
			return userErr(Duplicate, "These questions and answers are already in the corpus, as %s (%q), shipped with the bot; nothing was added.", d.ID, d.Meta.Title)
		}
	}
	return nil
}

func sameSection(a, b document.Section) bool {
	return a.Question == b.Question && a.Asker == b.Asker && a.Answerer == b.Answerer && slices.Equal(a.Paragraphs, b.Paragraphs)
}

// Remove deletes a stored document from the store, then from the index,
// and returns what it was. Server "" (the operator) may remove any stored
// document, and also a damaged document file; a Discord server only its
// own documents. It returns an *Error of kind NotFound (no such document
// visible to server), Forbidden (a seed) or Busy (another process holds
// the store); other errors are unexpected.
func (l *Library) Remove(ctx context.Context, id, server string) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	if d, ok := l.seeds[id]; ok {
		return Entry{}, userErr(Forbidden, "%s (%q) is shipped with the bot and cannot be removed.", d.ID, d.Meta.Title)
	}
	if !store.ValidID(id) {
		return Entry{}, notFound(id)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return Entry{}, errClosed
	}
	if l.store != nil {
		unlock, err := l.lockStore(ctx)
		if err != nil {
			return Entry{}, err
		}
		defer unlock()
		if _, _, err := l.refreshLocked(); err != nil {
			return Entry{}, err
		}
	}
	s, ok := l.records[id]
	if !ok {
		if _, damaged := l.files[id]; damaged && server == "" {
			if err := l.store.Remove(id); err != nil {
				return Entry{}, err
			}
			delete(l.files, id)
			return Entry{ID: id, Speakers: []string{}}, nil
		}
		return Entry{}, notFound(id)
	}
	switch {
	case server != "" && s.server == "":
		return Entry{}, userErr(Forbidden, "%s is answered in every server: only the bot's operator can remove it (verbatim corpus remove, without --server).", quoteID(id))
	case server != "" && s.server != server:
		return Entry{}, notFound(id)
	}
	if l.store != nil {
		if err := l.store.Remove(id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Entry{}, err
		}
		delete(l.files, id)
	}
	delete(l.records, id)
	l.corpus.Remove(id)
	crashPoint("remove:index-started")
	if x := l.index.get(); x != nil {
		if err := x.Remove(id); err != nil && !errors.Is(err, bleveindex.ErrNotFound) {
			l.stale = true // Watch retries
			return s.entry(), fmt.Errorf("document %s is removed but still in the index: %w", id, err)
		}
	}
	crashPoint("remove:indexed")
	l.log.Info("document removed", "id", id, "server", s.server)
	return s.entry(), nil
}
