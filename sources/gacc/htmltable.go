package gacc

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxSpan bounds rowspan and colspan: a release table is small, and a huge
// span is a broken page, not a layout.
const maxSpan = 100

// page is what a parsed HTML document offers the source: its data tables
// as grids and the text that may name the period and publication date.
type page struct {
	title    string   // <title>
	headings []string // h1–h6 and table captions, in document order
	text     string   // all visible text outside tables
	meta     map[string]string
	tables   [][][]string // leaf tables (no table inside), rowspan/colspan expanded
}

func parsePage(doc *html.Node) *page {
	p := &page{meta: map[string]string{}}
	var outside strings.Builder
	var walk func(n *html.Node, inTable bool)
	walk = func(n *html.Node, inTable bool) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript:
				return
			case atom.Title:
				p.title = textOf(n)
			case atom.Meta:
				name := strings.ToLower(attr(n, "name"))
				if name == "" {
					name = strings.ToLower(attr(n, "property"))
				}
				if name != "" {
					p.meta[name] = attr(n, "content")
				}
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Caption:
				p.headings = append(p.headings, textOf(n))
			case atom.Table:
				if !hasTable(n) {
					p.tables = append(p.tables, grid(n))
				}
				inTable = true
			}
		}
		if n.Type == html.TextNode && !inTable {
			outside.WriteString(n.Data)
			outside.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inTable)
		}
		if n.Type == html.ElementNode && isBlock(n.DataAtom) && !inTable {
			outside.WriteByte('\n')
		}
	}
	walk(doc, false)
	p.text = outside.String()
	return p
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Br, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Li, atom.Tr, atom.Span:
		return true
	}
	return false
}

func hasTable(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Table {
			return true
		}
		if hasTable(c) {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// textOf is n's visible text with whitespace (including &nbsp;) collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Br {
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(strings.ReplaceAll(b.String(), "\u00a0", " ")), " ")
}

// rowsOf returns a table's own rows (through thead/tbody/tfoot), not those
// of nested tables.
func rowsOf(t *html.Node) []*html.Node {
	var out []*html.Node
	for c := t.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.Tr:
			out = append(out, c)
		case atom.Thead, atom.Tbody, atom.Tfoot:
			for r := c.FirstChild; r != nil; r = r.NextSibling {
				if r.Type == html.ElementNode && r.DataAtom == atom.Tr {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// grid lays a table out as rows of cell texts, copying a spanning cell's
// text into every slot it covers.
func grid(t *html.Node) [][]string {
	var out [][]string
	// pending[col] is a cell still spanning down: its text and rows left.
	type span struct {
		text string
		left int
	}
	var pending []span
	for _, tr := range rowsOf(t) {
		var row []string
		col := 0
		fill := func() {
			for col < len(pending) && pending[col].left > 0 {
				row = append(row, pending[col].text)
				pending[col].left--
				col++
			}
		}
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || (c.DataAtom != atom.Td && c.DataAtom != atom.Th) {
				continue
			}
			fill()
			text := textOf(c)
			cs := spanAttr(c, "colspan")
			rs := spanAttr(c, "rowspan")
			for k := 0; k < cs; k++ {
				row = append(row, text)
				for len(pending) <= col {
					pending = append(pending, span{})
				}
				pending[col] = span{text: text, left: rs - 1}
				col++
			}
		}
		fill()
		out = append(out, row)
	}
	return out
}

func spanAttr(n *html.Node, key string) int {
	v, err := strconv.Atoi(strings.TrimSpace(attr(n, key)))
	if err != nil || v < 1 {
		return 1
	}
	return min(v, maxSpan)
}
