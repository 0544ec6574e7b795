// Package web is Verbatim's HTTP server: the pages of documents that have no
// source of their own (question links point at their anchors), a question
// box answering from the shared documents as /ask does, health and
// readiness probes, metrics, and the Discord interactions endpoint when the
// bot takes interactions over HTTP. Every word a page shows about the
// corpus is quoted from it, escaped; pages carry no script.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/metrics"
	"github.com/verbatimbot/verbatim/internal/turns"
)

// Answerer answers the question box: *answer.Answerer or its
// metrics.Answerer wrapper.
type Answerer interface {
	// Ask answers question as asked in server with at most top hits.
	Ask(ctx context.Context, question, server string, top int) (answer.Answer, error)
	// Link returns the link to a section's question in its source, or "".
	Link(d *document.Document, section int) string
}

// Corpus gives the pages their documents: *corpus.Set.
type Corpus interface {
	// Document returns the document with this id.
	Document(id string) (*document.Document, bool)
	// Documents returns the documents owned by server ("" for everywhere).
	Documents(server string) []*document.Document
}

// Options configure a Server. Answerer and Corpus are required; the rest
// may be left zero.
type Options struct {
	Answerer Answerer
	Corpus   Corpus
	// Links checks the tokens of server-owned documents' pages; with nil,
	// only documents answered everywhere are shown.
	Links *Links
	// Ready reports why the service cannot take questions yet, for
	// /readyz; nil means always ready.
	Ready func() error
	// Metrics is served at /metrics and counts handler panics; nil turns
	// /metrics into a 404.
	Metrics *metrics.Registry
	// Interactions takes Discord's POST /interactions; nil answers 404.
	// It limits its own request bodies.
	Interactions http.Handler
	// Log receives errors and, at debug level, one line per request
	// (without its query, which may hold a question or a token).
	Log *slog.Logger
}

// Server serves Verbatim's pages and probes. It is safe for concurrent use.
type Server struct {
	opt     Options
	log     *slog.Logger
	handler http.Handler
	slots   chan struct{} // answers being computed for the ask box
	wait    time.Duration // for a slot, before "try again" (slotWait)
}

// Limits of what a request may carry and how long answering may take.
const (
	maxBodyBytes   = 4 << 10 // pages take no body
	maxHeaderBytes = 64 << 10
	askTimeout     = 5 * time.Second
	topHits        = 3 // shown at once, as /ask shows them; as many again behind "More answers"
	// MaxAsking bounds the ask box's answers computed at once; a question
	// waits up to slotWait for a slot, then gets a "try again" page (503).
	MaxAsking = 4
	slotWait  = 2 * time.Second
)

// New returns a server over opt.
func New(opt Options) *Server {
	s := &Server{opt: opt, log: opt.Log, slots: make(chan struct{}, MaxAsking), wait: slotWait}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.handler = s.recoverer(http.HandlerFunc(s.route))
	return s
}

// Handler returns the server's handler.
func (s *Server) Handler() http.Handler { return s.handler }

// route sends a request to its page. Routing is by hand, not by
// http.ServeMux, so that a known path with the wrong method is a 405 and
// an unknown one our own 404 page.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/interactions" && s.opt.Interactions != nil {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			s.errorPage(w, r, http.StatusMethodNotAllowed)
			return
		}
		s.opt.Interactions.ServeHTTP(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)

	var page http.HandlerFunc
	switch path := r.URL.EscapedPath(); {
	case path == "/":
		page = s.index
	case path == "/healthz":
		page = s.healthz
	case path == "/readyz":
		page = s.readyz
	case path == "/metrics" && s.opt.Metrics != nil:
		page = s.opt.Metrics.ServeHTTP
	case path == "/favicon.svg":
		page = favicon
	case strings.HasPrefix(path, "/docs/"):
		page = s.document
	default:
		s.errorPage(w, r, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.errorPage(w, r, http.StatusMethodNotAllowed)
		return
	}
	page(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	plain(w, http.StatusOK, "ok\n")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.opt.Ready != nil {
		if err := s.opt.Ready(); err != nil {
			plain(w, http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
			return
		}
	}
	plain(w, http.StatusOK, "ok\n")
}

func plain(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// recoverer turns a panic in a handler into a 500, a log line with the
// stack and a count in verbatim_errors_total{kind="panic"}, and logs each
// request at debug level.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if s.opt.Metrics != nil {
					s.opt.Metrics.Error("panic")
				}
				if !sw.wrote {
					s.errorPage(sw, r, http.StatusInternalServerError)
				}
			}
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Timeouts of the HTTP server. WriteTimeout bounds a whole response,
// answering included (askTimeout is well within it).
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 2 * time.Minute
	ShutdownTimeout   = 10 * time.Second
)

// Serve listens on addr and serves h until ctx ends, then shuts down,
// giving requests in flight up to ShutdownTimeout to finish. It returns nil
// after a clean shutdown, and an error when it cannot listen, the server
// fails, or requests were still running when the time was up. Under load,
// h's requests start in the order their data arrived (internal/turns).
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ServeListener(ctx, ln, h, log)
}

// ServeListener is Serve on a listener the caller opened; it closes ln.
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var line turns.Line // one per server: the order its requests start in
	srv := &http.Server{
		Handler:           line.Handler(h),
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnContext:       turns.ConnContext, // when each request arrived, for the line
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(turns.Listen(ln)) }()
	log.Info("http server listening", "addr", ln.Addr().String())
	select {
	case err := <-served:
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), serr)
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("shut down http server: %w", err)
	}
	log.Info("http server stopped")
	return nil
}
