// Package seeds ships the documents Verbatim answers from out of the box,
// answered in every server: interview files with a front-matter block of
// metadata, embedded in the binary and validated when loaded.
package seeds

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/parse"
)

//go:embed *.txt
var files embed.FS

// Documents parses every shipped document. A document's id is its file
// name without the extension.
func Documents() ([]*document.Document, error) {
	return load(files)
}

func load(fsys fs.FS) ([]*document.Document, error) {
	names, err := fs.Glob(fsys, "*.txt")
	if err != nil {
		return nil, err
	}
	var out []*document.Document
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		d, err := parse.Parse(data, parse.Options{Name: name})
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", name, err)
		}
		if d.Meta.SourceURL == "" || d.Meta.Interviewer == "" || d.Meta.Interviewee == "" {
			return nil, fmt.Errorf("seed %s: front matter must give source, interviewer and interviewee", name)
		}
		d.ID = strings.TrimSuffix(name, path.Ext(name))
		out = append(out, &d)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no seed documents")
	}
	return out, nil
}
