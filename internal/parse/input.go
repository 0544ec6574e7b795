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
	if p := CheckText(data); p != nil {
		return nil, p.parseError()
	}
	text := string(bytes.TrimPrefix(data, bom))
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

var bom = []byte("\xef\xbb\xbf")

// Fault is what keeps a file from being read as text.
type Fault int

// The faults CheckText finds, in the order it looks for them.
const (
	Empty   Fault = iota + 1 // nothing but white space
	PDF                      // a PDF file
	ZIP                      // a ZIP archive, or a Word or OpenDocument file
	RTF                      // an RTF file
	UTF16                    // UTF-16 text (Windows' "Unicode")
	Binary                   // NUL bytes, or control characters in numbers no text has
	NotUTF8                  // bytes that are not UTF-8
	Control                  // a control character in otherwise plain text
	HTML                     // an HTML page
)

// TextProblem is why a file cannot be read as text, and where.
type TextProblem struct {
	Fault Fault
	// Line is the 1-based line (LF, CRLF and lone CR end lines) of the
	// offending byte, and Byte that byte, for Binary (0 for a NUL),
	// NotUTF8 and Control.
	Line int
	Byte byte
}

// CheckText returns why data, a UTF-8 byte order mark at its start
// ignored, cannot be a text file, or nil. Size is the caller's to bound.
func CheckText(data []byte) *TextProblem {
	data = bytes.TrimPrefix(data, bom)
	if len(bytes.TrimSpace(data)) == 0 {
		return &TextProblem{Fault: Empty}
	}
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return &TextProblem{Fault: PDF}
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return &TextProblem{Fault: ZIP}
	case bytes.HasPrefix(data, []byte("{\\rtf")):
		return &TextProblem{Fault: RTF}
	}
	if utf16Text(data) {
		return &TextProblem{Fault: UTF16}
	}
	at := func(f Fault, i int) *TextProblem { return &TextProblem{Fault: f, Line: lineAt(data, i), Byte: data[i]} }
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return at(Binary, i)
	}
	// C0 controls other than tab, line feed, vertical tab, form feed
	// (pdftotext's page break) and carriage return.
	controls, first := 0, -1
	for i, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' {
			if first < 0 {
				first = i
			}
			controls++
		}
	}
	if controls > 8 || controls > 2 && controls*100 > len(data) {
		return at(Binary, first)
	}
	if !utf8.Valid(data) {
		return at(NotUTF8, firstInvalid(data))
	}
	if first >= 0 {
		return at(Control, first)
	}
	if looksHTML(data) {
		return &TextProblem{Fault: HTML}
	}
	return nil
}

// utf16Text reports whether data is UTF-16: a UTF-16 byte order mark, or
// (without one) a NUL in every other byte of mostly ASCII text, as Windows'
// "Unicode" text files are, which would otherwise be called binary.
func utf16Text(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return true
	}
	n := min(len(data), 512) &^ 1
	if n < 8 {
		return false
	}
	var zeros [2]int
	for i := range n {
		if data[i] == 0 {
			zeros[i%2]++
		}
	}
	pairs := n / 2
	return zeros[0]*10 >= pairs*9 && zeros[1] == 0 || zeros[1]*10 >= pairs*9 && zeros[0] == 0
}

// parseError is the problem as Parse reports it.
func (p *TextProblem) parseError() *Error {
	switch p.Fault {
	case Empty:
		return errorf(0, "the file is empty")
	case PDF:
		return errorf(0, "this is a PDF file: convert it to text first (for example with pdftotext -layout) and upload the text")
	case ZIP:
		return errorf(0, "this is a ZIP archive or a Word/OpenDocument file: save it as plain text or Markdown and upload that")
	case RTF:
		return errorf(0, "this is an RTF file: save it as plain text or Markdown and upload that")
	case UTF16:
		return errorf(0, `this file is saved as UTF-16 (Windows' "Unicode"): save it as UTF-8 and upload that`)
	case Binary:
		if p.Byte == 0 {
			return errorf(p.Line, "the file contains NUL bytes: it looks like a binary file, not text")
		}
		return errorf(p.Line, "the file is full of control characters: it looks like a binary file, not text")
	case NotUTF8:
		return errorf(p.Line, "invalid UTF-8 (byte 0x%02x): the file must be UTF-8 text", p.Byte)
	case Control:
		return errorf(p.Line, "control character U+%04X: the file must be plain text", p.Byte)
	default:
		return errorf(0, "this is an HTML page: save the interview as plain text or Markdown and upload that")
	}
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
