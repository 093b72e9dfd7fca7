package panjiva

import (
	"fmt"
	"strings"
	"testing"
)

// tableOf is a shared strings table of strs, for tests.
func tableOf(t testing.TB, strs ...string) sharedStrings {
	var b strings.Builder
	b.WriteString("<sst>")
	for _, s := range strs {
		fmt.Fprintf(&b, "<si><t>%s</t></si>", strings.ReplaceAll(strings.ReplaceAll(s, "&", "&amp;"), "<", "&lt;"))
	}
	b.WriteString("</sst>")
	ss, err := scanSharedStrings(strings.NewReader(b.String()), 1<<30, int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// Short lengths are a byte of the index, long ones (sstLong bytes and
// more) a uvarint of one to three bytes before the text, also when the
// XML is long and the decoded text short or shorter than its XML's
// length's form; every length round-trips, wherever a string falls in
// its group and across chunks.
func TestSharedStringsLengths(t *testing.T) {
	var want []string
	var b strings.Builder
	b.WriteString("<sst>")
	for _, n := range []int{0, 1, 126, 127, 128, 129, 254, 255, 256, 1019, 1020, 1024, 16383, 16384, 16385, maxCellBytes} {
		for shift := range sstGroup + 1 {
			for range shift {
				b.WriteString("<si><t>p</t></si>")
				want = append(want, "p")
			}
			s := strings.Repeat("y", n)
			fmt.Fprintf(&b, "<si><t>%s</t></si>", s)
			want = append(want, s)
			if n >= 4 {
				// 4 bytes of XML for 1 of text: the bound's length is
				// longer than the text's.
				e := strings.Repeat("&lt;", n/4)
				fmt.Fprintf(&b, "<si><t>%s</t></si>", e)
				want = append(want, strings.Repeat("<", n/4))
			}
		}
	}
	b.WriteString("</sst>")
	ss, err := scanSharedStrings(strings.NewReader(b.String()), 1<<30, int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if ss.len() != len(want) {
		t.Fatalf("%d strings, want %d", ss.len(), len(want))
	}
	for i, w := range want {
		if got := string(ss.at(i)); got != w {
			t.Fatalf("string %d: %d bytes, want %d", i, len(got), len(w))
		}
	}
	if got := tableOf(t, "a", "", "b&<"); got.len() != 3 || string(got.at(2)) != "b&<" {
		t.Fatalf("tableOf: %d strings", got.len())
	}
}

// BenchmarkSharedStrings measures reading a table of 1M short strings, as
// Panjiva exports hold (bill of lading numbers, container numbers,
// addresses), and looking strings up in the order a sheet does.
// go test -run - -bench SharedStrings ./sources/panjiva/
func BenchmarkSharedStrings(b *testing.B) {
	const n = 1 << 20
	var x strings.Builder
	fmt.Fprintf(&x, `<sst count="%d" uniqueCount="%d">`, n, n)
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&x, "<si><t>MAEU%09d</t></si>", i)
		case 1:
			fmt.Fprintf(&x, "<si><t>MSKU%07d</t></si>", i*7919%10_000_000)
		default:
			fmt.Fprintf(&x, "<si><t>%d Harbor Blvd, Suite %d, Long Beach CA 90802</t></si>", 100+i%900, i%400)
		}
	}
	x.WriteString("</sst>")
	xml := x.String()
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(int64(len(xml)))
		for b.Loop() {
			if _, err := scanSharedStrings(strings.NewReader(xml), 1<<30, int64(len(xml))); err != nil {
				b.Fatal(err)
			}
		}
	})
	ss, err := scanSharedStrings(strings.NewReader(xml), 1<<30, int64(len(xml)))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("at", func(b *testing.B) {
		var sum int
		i := 0
		for b.Loop() {
			// A sheet refers to new strings in order and to old ones
			// anywhere.
			// The last byte, as a cell's use of the text would.
			s, t := ss.at(i%n), ss.at(i*7919%n)
			sum += int(s[len(s)-1]) + int(t[len(t)-1])
			i++
		}
		b.ReportMetric(float64(ss.memory())/n, "B/string")
		_ = sum
	})
}
