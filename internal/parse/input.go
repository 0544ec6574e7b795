package parse

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// maxSize is the largest file Parse accepts.
const maxSize = 4 << 20

// line is one line of the normalised input and its 1-based number in the
// original file.
type line struct {
	text string
	num  int
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// prepare checks that data is a text file Parse can read and splits it into
// lines: the UTF-8 BOM is dropped and CRLF and lone CR become LF (a lone CR
// counts as a line break for line numbers too).
func prepare(data []byte) ([]line, error) {
	if len(data) > maxSize {
		return nil, errorf(0, "the file is %.1f MiB; the limit is %d MiB", float64(len(data))/(1<<20), maxSize>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errorf(0, "the file is empty")
	}
	if kind := binaryKind(data); kind != "" {
		return nil, errorf(0, "%s", kind)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, errorf(lineAt(data, i), "the file contains NUL bytes: it looks like a binary file, not text")
	}
	if !utf8.Valid(data) {
		i := firstInvalid(data)
		return nil, errorf(lineAt(data, i), "invalid UTF-8 (byte 0x%02x): the file must be UTF-8 text", data[i])
	}
	if i := firstControl(data); i >= 0 {
		return nil, errorf(lineAt(data, i), "control character U+%04X: the file must be plain text", data[i])
	}
	if looksHTML(data) {
		return nil, errorf(0, "this is an HTML page: save the interview as plain text or Markdown and upload that")
	}
	text := string(data)
	if strings.IndexByte(text, '\r') >= 0 {
		text = strings.ReplaceAll(text, "\r\n", "\n")
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	parts := strings.Split(text, "\n")
	lines := make([]line, len(parts))
	for i, p := range parts {
		lines[i] = line{text: p, num: i + 1}
	}
	return lines, nil
}

// binaryKind names well-known binary formats people upload by mistake.
func binaryKind(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "this is a PDF file: convert it to text first (for example with pdftotext -layout) and upload the text"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "this is a ZIP archive or a Word/OpenDocument file: save it as plain text or Markdown and upload that"
	case bytes.HasPrefix(data, []byte("{\\rtf")):
		return "this is an RTF file: save it as plain text or Markdown and upload that"
	}
	return ""
}

// lineAt returns the 1-based line number of byte offset off, counting LF,
// CRLF and lone CR as line breaks.
func lineAt(data []byte, off int) int {
	n := 1
	for i := 0; i < off && i < len(data); i++ {
		switch data[i] {
		case '\n':
			n++
		case '\r':
			if i+1 >= len(data) || data[i+1] != '\n' {
				n++
			}
		}
	}
	return n
}

func firstInvalid(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
}

// firstControl returns the offset of the first C0 control character other
// than tab, line feed, vertical tab, form feed (pdftotext's page break) and
// carriage return, or -1.
func firstControl(data []byte) int {
	for i, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' {
			return i
		}
	}
	return -1
}

// looksHTML reports whether data is an HTML page rather than a text file
// that happens to mention HTML.
func looksHTML(data []byte) bool {
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	lower := bytes.ToLower(bytes.TrimSpace(head))
	if bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) {
		return true
	}
	// Pages that open with an XML declaration or a comment.
	return bytes.HasPrefix(lower, []byte("<")) && (bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<body")))
}
