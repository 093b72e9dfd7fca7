package census

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
)

// MaxRecord bounds one record of a response (one row of the array of
// arrays): a row is a few hundred bytes, so only a broken or hostile file
// has more, and the bound keeps memory flat whatever the file.
const MaxRecord = 1 << 20

// errNoHeader is returned by next for a response with no rows at all.
var errNoHeader = errors.New("empty response: no header row")

// recordScanner reads a response's records one at a time from a stream, so
// a response of any size is read in memory bounded by MaxRecord and the
// reader's buffer. It checks the JSON of the whole file as it goes; an
// error after some records means the file is not a response, and the
// caller drops what it read.
type recordScanner struct {
	r     *bufio.Reader
	rec   []byte // the current record's JSON, reused
	n     int    // records read
	done  bool
	spans []span // cell boundaries in rec, fast path
	strs  []string
	// unesc holds, in the fast path, the text of the current record's
	// cells that have escapes (a description with \" in it).
	unesc []byte
}

// span is a cell's text: the bytes between the quotes of a string without
// escapes, in the record, or its unescaped text in unesc.
type span struct {
	from, to int
	esc      bool
}

// openResponse returns a reader of the response's JSON, inflated when the
// file starts with the gzip magic (1f 8b), whatever it is called.
func openResponse(f io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(f, 256<<10)
	magic, err := br.Peek(2)
	if err != nil || !isGzip(magic) {
		return br, nil // short files fail as JSON
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return gzipErrors{zr}, nil
}

// gzipErrors names gzip as the cause of a read error.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("gzip: %w", err)
	}
	return n, err
}

func newRecordScanner(r io.Reader) *recordScanner {
	return &recordScanner{r: bufio.NewReaderSize(r, 256<<10)}
}

// skipSpace returns the next byte that is not JSON white space.
func (s *recordScanner) skipSpace() (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c, nil
	}
}

// next reads the next record's JSON into s.rec; it returns io.EOF after
// the last one.
func (s *recordScanner) next() error {
	if s.done {
		return io.EOF
	}
	c, err := s.skipSpace()
	if s.n == 0 {
		if err != nil || c != '[' {
			return s.syntax(err, "a response starts with [")
		}
		c, err = s.skipSpace()
		if err == nil && c == ']' {
			return errNoHeader
		}
	} else {
		switch {
		case err == nil && c == ']':
			s.done = true
			// Nothing but white space may follow.
			if c, err := s.skipSpace(); err != io.EOF {
				return s.syntax(err, fmt.Sprintf("%q after the closing ]", c))
			}
			return io.EOF
		case err == nil && c == ',':
			c, err = s.skipSpace()
		default:
			return s.syntax(err, "records are separated by ,")
		}
	}
	if err != nil || c != '[' {
		return s.syntax(err, fmt.Sprintf("record %d is not an array", s.n))
	}
	s.rec = append(s.rec[:0], '[')
	depth, inString, escaped := 1, false, false
	for depth > 0 {
		if s.r.Buffered() == 0 {
			if _, err := s.r.Peek(1); err != nil {
				return s.syntax(err, fmt.Sprintf("record %d is cut short", s.n))
			}
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		i := 0
		for ; i < len(buf) && depth > 0; i++ {
			if inString {
				if escaped {
					escaped = false
					continue
				}
				// Jump to the string's closing quote or next escape:
				// most of a record's bytes are inside its strings.
				rest := buf[i:]
				q := bytes.IndexByte(rest, '"')
				if q < 0 {
					q = len(rest)
				}
				if e := bytes.IndexByte(rest[:q], '\\'); e >= 0 {
					i += e
					escaped = true
					continue
				}
				i += q // the quote, or the last byte buffered
				inString = q == len(rest)
				if inString {
					i--
				}
				continue
			}
			b := buf[i]
			switch b {
			case '"':
				inString = true
			case '[', '{':
				depth++
			case ']', '}':
				depth--
			}
		}
		s.rec = append(s.rec, buf[:i]...)
		if _, err := s.r.Discard(i); err != nil {
			return err
		}
		if len(s.rec) > MaxRecord {
			return fmt.Errorf("record %d is longer than %d KiB", s.n, MaxRecord>>10)
		}
	}
	s.n++
	return nil
}

func (s *recordScanner) syntax(err error, what string) error {
	if err != nil && err != io.EOF {
		return err // a read or gzip error says what it is
	}
	return fmt.Errorf("not a Census API response (JSON array of arrays): %s", what)
}

// split finds the cells of the current record. In the fast path, a record
// of plain strings (no escapes, valid UTF-8), the cells are spans of s.rec
// and fast is true; otherwise the record is decoded with encoding/json
// into s.strs. cellErr says the record is JSON but not an array of
// strings, numbers and nulls (s.strs then holds the record's JSON as one
// cell); err that it is not JSON at all.
func (s *recordScanner) split() (fast bool, cellErr error, err error) {
	s.spans, s.strs, s.unesc = s.spans[:0], nil, s.unesc[:0]
	if s.splitFast() {
		return true, nil, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(s.rec, &raw); err != nil {
		return false, nil, fmt.Errorf("not a Census API response (JSON array of arrays): record %d: %w", s.n-1, err)
	}
	strs, cerr := cells(raw)
	if cerr != nil {
		strs = []string{string(mustJSON(raw))}
	}
	s.strs = strs
	return false, cerr, nil
}

// cell returns cell i of the current record; i must be below width().
func (s *recordScanner) cell(i int) string {
	if s.strs != nil {
		return s.strs[i]
	}
	return string(s.cellBytes(i))
}

// cellBytes is cell without a copy; the bytes change with the next record.
func (s *recordScanner) cellBytes(i int) []byte {
	if s.strs != nil {
		return []byte(s.strs[i])
	}
	sp := s.spans[i]
	if sp.esc {
		return s.unesc[sp.from:sp.to]
	}
	return s.rec[sp.from:sp.to]
}

// width is the number of cells of the current record.
func (s *recordScanner) width() int {
	if s.strs != nil {
		return len(s.strs)
	}
	return len(s.spans)
}

// all returns every cell, for a quarantined row.
func (s *recordScanner) all() []string {
	out := make([]string, s.width())
	for i := range out {
		out[i] = s.cell(i)
	}
	return out
}

// splitFast splits a record of plain strings; false sends the record to
// encoding/json.
func (s *recordScanner) splitFast() bool {
	b := s.rec
	i := 1 // after [
	ws := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
	}
	ws()
	if i < len(b) && b[i] == ']' {
		return i == len(b)-1
	}
	for {
		ws()
		if i >= len(b) || b[i] != '"' {
			return false
		}
		i++
		from := i
		ascii, escapes := true, false
		// A string without escapes, control bytes or non-ASCII (nearly
		// every cell) is checked eight bytes at a time up to its quote.
		if q := bytes.IndexByte(b[i:], '"'); q >= 0 && plainASCII(b[i:i+q]) {
			i += q
		}
		for i < len(b) && b[i] != '"' {
			switch c := b[i]; {
			case c == '\\':
				escapes = true
				i++ // the escaped byte, checked by unescape
			case c < 0x20:
				return false
			case c >= utf8.RuneSelf:
				ascii = false
			}
			i++
		}
		if i >= len(b) {
			return false
		}
		if !ascii && !utf8.Valid(b[from:i]) {
			return false // encoding/json replaces the invalid bytes
		}
		if escapes {
			start := len(s.unesc)
			var ok bool
			if s.unesc, ok = unescape(s.unesc, b[from:i]); !ok {
				return false
			}
			s.spans = append(s.spans, span{start, len(s.unesc), true})
		} else {
			s.spans = append(s.spans, span{from, i, false})
		}
		i++
		ws()
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return i == len(b)-1
		default:
			return false
		}
	}
}

// unescape appends the text of a JSON string's contents q (between the
// quotes, valid UTF-8) to b. It knows the one-byte escapes, which give
// what encoding/json gives; false for \u escapes or a malformed one,
// which go to encoding/json.
func unescape(b, q []byte) ([]byte, bool) {
	for len(q) > 0 {
		e := bytes.IndexByte(q, '\\')
		if e < 0 {
			return append(b, q...), true
		}
		b = append(b, q[:e]...)
		if e+1 >= len(q) {
			return b, false
		}
		var c byte
		switch q[e+1] {
		case '"', '\\', '/':
			c = q[e+1]
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		default:
			return b, false
		}
		b = append(b, c)
		q = q[e+2:]
	}
	return b, true
}

// plainASCII says b is printable ASCII without backslashes: no byte below
// 0x20 or from 0x80, none '\\'.
func plainASCII(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b)
		// A byte from 0x80, or below 0x20, or equal to '\\' (zero
		// after the xor), sets its high bit in one of the terms.
		x := w ^ ('\\' * ones)
		if (w|(w-0x20*ones)|(x-ones)&^x)&highs != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 || c >= utf8.RuneSelf || c == '\\' {
			return false
		}
	}
	return true
}
