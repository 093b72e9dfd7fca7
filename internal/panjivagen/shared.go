package panjivagen

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	kflate "github.com/klauspost/compress/flate"
)

// ToSharedStrings copies the workbook at in to out with every inline string cell
// turned into a shared string, the table deduplicated the way Excel
// writes it, and returns the number of distinct strings.
func ToSharedStrings(in, out string) (int, error) {
	zr, err := zip.OpenReader(in)
	if err != nil {
		return 0, err
	}
	defer zr.Close()
	f, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return kflate.NewWriter(w, kflate.DefaultCompression)
	})
	t := &table{index: map[string]int{}}
	for _, zf := range zr.File {
		if err := copyPart(zw, zf, t); err != nil {
			return 0, fmt.Errorf("%s: %w", zf.Name, err)
		}
	}
	w, err := zw.Create("xl/sharedStrings.xml")
	if err != nil {
		return 0, err
	}
	if _, err := fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, t.refs, len(t.list)); err != nil {
		return 0, err
	}
	for _, s := range t.list {
		if _, err := io.WriteString(w, "<si>"+s+"</si>"); err != nil {
			return 0, err
		}
	}
	if _, err := io.WriteString(w, "</sst>"); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return len(t.list), f.Close()
}

// table is the shared strings being built; a key is the <t> element as
// the sheet had it (start tag, escaped text, end tag).
type table struct {
	index map[string]int
	list  []string
	refs  int
}

func (t *table) id(s []byte) int {
	t.refs++
	if i, ok := t.index[string(s)]; ok {
		return i
	}
	i := len(t.list)
	t.list = append(t.list, string(s))
	t.index[t.list[i]] = i
	return i
}

func copyPart(zw *zip.Writer, zf *zip.File, t *table) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	switch name := strings.ToLower(zf.Name); {
	case strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml"):
		return rewriteSheet(w, rc, t)
	case name == "xl/_rels/workbook.xml.rels":
		return insertBefore(w, rc, "</Relationships>", `<Relationship Id="rIdSharedStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`)
	case name == "[content_types].xml":
		return insertBefore(w, rc, "</Types>", `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
	default:
		_, err := io.Copy(w, rc)
		return err
	}
}

func insertBefore(w io.Writer, r io.Reader, end, s string) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	i := bytes.LastIndex(b, []byte(end))
	if i < 0 {
		return fmt.Errorf("no %s", end)
	}
	_, err = w.Write(append(append(append([]byte{}, b[:i]...), s...), b[i:]...))
	return err
}

var (
	inlineStart = []byte(`t="inlineStr"><is><t`)
	inlineEnd   = []byte(`</is></c>`)
	rowEnd      = []byte(`</row>`)
)

// rewriteSheet streams the sheet XML from r to w, whole rows at a time.
func rewriteSheet(w io.Writer, r io.Reader, t *table) error {
	buf := make([]byte, 0, 8<<20)
	chunk := make([]byte, 4<<20)
	var out []byte
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		end := len(buf)
		if err == nil {
			end = bytes.LastIndex(buf, rowEnd)
			if end < 0 {
				continue
			}
			end += len(rowEnd)
		} else if err != io.EOF {
			return err
		}
		out = rewrite(out[:0], buf[:end], t)
		if _, werr := w.Write(out); werr != nil {
			return werr
		}
		buf = append(buf[:0], buf[end:]...)
		if err == io.EOF {
			return nil
		}
	}
}

// rewrite appends b to dst with each inline string cell turned into a
// reference to the shared string table.
func rewrite(dst, b []byte, t *table) []byte {
	for {
		i := bytes.Index(b, inlineStart)
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		tStart := i + len(inlineStart) - len("<t")
		e := bytes.Index(b[tStart:], inlineEnd)
		dst = append(dst, `t="s"><v>`...)
		dst = strconv.AppendInt(dst, int64(t.id(b[tStart:tStart+e])), 10)
		dst = append(dst, `</v></c>`...)
		b = b[tStart+e+len(inlineEnd):]
	}
}
