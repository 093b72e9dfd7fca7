// Command censusgen writes Census international trade API responses at full
// scale: one response per month, every partner and HS10 line in one
// request (get=...,CTY_CODE&COMM_LVL=HS10&time=YYYY-MM), in the exact form
// the API returns, a JSON array of arrays of strings with the header first
// and the predicates COMM_LVL and time as trailing columns, one record a
// line.
//
// The shape follows the real responses in examples/census: values are
// log-normal (log mean 12.2, spread 2.33 over the non-zero China HS6
// lines) with a quarter of the lines at zero; partners are Schedule C
// countries with a Zipf-like size, from about 7,000 HS10 lines a month for
// the largest to a few dozen for the smallest; HS10 codes are spread over
// the chapters as Schedule B is (84, 85, 39, 29, 90 and 87 the largest),
// with descriptions, units (KG, NO, X for none) and quantities, and a few
// descriptions with quotes and non-ASCII letters, which the API escapes.
//
//	censusgen -out DIR [-flow export] [-from 2015-01] [-months 120] [-lines 9000] [-gzip]
//
// The output is deterministic for a seed. It prints the files' total rows.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func main() {
	out := flag.String("out", "", "output directory (required)")
	flow := flag.String("flow", "export", "export or import")
	from := flag.String("from", "2015-01", "first month, YYYY-MM")
	months := flag.Int("months", 120, "number of months")
	lines := flag.Int("lines", 9000, "HS10 lines in the classification")
	scale := flag.Float64("scale", 1, "fraction of each partner's lines to write (1 is full scale)")
	zip := flag.Bool("gzip", false, "gzip each response (.json.gz), as the saved examples are")
	seed := flag.Uint64("seed", 1, "random seed")
	schedC := flag.String("schedule-c", "internal/reference/census_schedule_c.csv", "Schedule C table (Code,Name,ISO_Code)")
	flag.Parse()
	if err := run(*out, *flow, *from, *months, *lines, *scale, *zip, *seed, *schedC); err != nil {
		fmt.Fprintln(os.Stderr, "censusgen:", err)
		os.Exit(1)
	}
}

func run(out, flow, from string, months, lines int, scale float64, zip bool, seed uint64, schedC string) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	if flow != "export" && flow != "import" {
		return fmt.Errorf("flow %q is not export or import", flow)
	}
	y, m, err := parseMonth(from)
	if err != nil {
		return err
	}
	partners, err := readPartners(schedC)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 0x63656e737573))
	codes := classification(rng, lines)
	total := 0
	for i := range months {
		yy, mm := y+(m-1+i)/12, (m-1+i)%12+1
		name := fmt.Sprintf("%ss-hs10-all-%04d-%02d.json", flow, yy, mm)
		if zip {
			name += ".gz"
		}
		n, err := writeMonth(filepath.Join(out, name), flow, fmt.Sprintf("%04d-%02d", yy, mm), codes, partners, scale, zip,
			rand.New(rand.NewPCG(seed, uint64(yy*12+mm))))
		if err != nil {
			return err
		}
		total += n
	}
	fmt.Println(total)
	return nil
}

func parseMonth(s string) (int, int, error) {
	y, err1 := strconv.Atoi(s[:min(4, len(s))])
	if len(s) != 7 || s[4] != '-' || err1 != nil {
		return 0, 0, fmt.Errorf("month %q is not YYYY-MM", s)
	}
	m, err := strconv.Atoi(s[5:])
	if err != nil || m < 1 || m > 12 {
		return 0, 0, fmt.Errorf("month %q is not YYYY-MM", s)
	}
	return y, m, nil
}

// partner is a Schedule C country and its size: the share of HS10 lines it
// trades in a month and the log of its typical value.
type partner struct {
	code  string
	share float64
	mu    float64
}

func readPartners(path string) ([]partner, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("schedule C: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("schedule C %s: %w", path, err)
	}
	var codes []string
	for _, r := range rows[1:] {
		// The United States is not its own partner; codes without an ISO
		// country are groupings.
		if len(r) >= 3 && r[2] != "" && r[0] != "1000" {
			codes = append(codes, r[0])
		}
	}
	// Ranks by a fixed shuffle, the largest partners first as the real ones
	// are: Canada, Mexico, China, Japan, ...
	big := []string{"1220", "2010", "5700", "5880", "4280", "4120", "5800", "4210", "4279", "3510", "5830", "6021"}
	rest := slices.DeleteFunc(slices.Clone(codes), func(c string) bool { return slices.Contains(big, c) })
	r := rand.New(rand.NewPCG(7, 7))
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	ranked := append(slices.DeleteFunc(big, func(c string) bool { return !slices.Contains(codes, c) }), rest...)
	out := make([]partner, len(ranked))
	for k, c := range ranked {
		rank := float64(k + 1)
		out[k] = partner{code: c, share: math.Max(0.8*math.Pow(rank, -0.75), 0.004), mu: 12.2 - 0.9*math.Log(rank)}
	}
	return out, nil
}

// line is one HS10 line of the classification.
type line struct {
	code, desc, unit string
	// pop is how widely the line is traded: the chance a partner that
	// trades a given share of lines has it this month.
	pop float64
}

// chapterWeights are Schedule B's lines per chapter, roughly: machinery,
// electrical, plastics, organic chemicals, instruments and vehicles lead.
var chapterWeights = map[int]float64{84: 10, 85: 8, 39: 4, 29: 5, 90: 4, 87: 3, 73: 3, 72: 3, 61: 3, 62: 3, 38: 2, 30: 2, 28: 2, 40: 2, 44: 2, 48: 2, 94: 2, 3: 2}

var words = strings.Fields(`PARTS ACCESSORIES MACHINES APPARATUS OTHER OF FOR WITH STEEL IRON ALUMINUM PLASTICS RUBBER COTTON
	SYNTHETIC FIBERS ELECTRIC MOTORS VALVES PUMPS FROZEN FRESH DRIED SOYBEANS WHEAT CORN BEEF PORK POULTRY
	CHEMICALS ORGANIC COMPOUNDS MEDICAMENTS DOSAGE VEHICLES TRUCKS AIRCRAFT ENGINES INSTRUMENTS OPTICAL
	MEASURING TOOLS HAND FURNITURE WOOD PAPER PAPERBOARD GLASS CERAMIC KNITTED WOVEN MEN'S WOMEN'S NESOI
	CONTAINING EXCEEDING NOT WEIGHT BY MORE THAN PERCENT IN UNDER OVER ASSEMBLED UNASSEMBLED`)

var units = []struct {
	u string
	w float64
}{{"KG", 0.45}, {"NO", 0.22}, {"X", 0.15}, {"DOZ", 0.05}, {"M2", 0.03}, {"L", 0.03}, {"PRS", 0.02}, {"T", 0.02}, {"KWH", 0.01}, {"CTN", 0.02}}

func classification(r *rand.Rand, n int) []line {
	var total float64
	for ch := 1; ch <= 97; ch++ {
		if ch != 77 {
			total += weight(ch)
		}
	}
	seen := map[string]bool{}
	var out []line
	for ch := 1; ch <= 97 && len(out) < n; ch++ {
		if ch == 77 {
			continue
		}
		k := int(math.Round(float64(n) * weight(ch) / total))
		for range k {
			for {
				code := fmt.Sprintf("%02d%02d%02d%04d", ch, 1+r.IntN(90), 10*r.IntN(10), 10*r.IntN(100))
				if !seen[code] {
					seen[code] = true
					out = append(out, line{code: code, desc: description(r), unit: unit(r), pop: math.Pow(r.Float64(), 1.6)})
					break
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b line) int { return strings.Compare(a.code, b.code) })
	return out
}

func weight(ch int) float64 {
	if w, ok := chapterWeights[ch]; ok {
		return w
	}
	return 1
}

func description(r *rand.Rand) string {
	n := 3 + r.IntN(14)
	w := make([]string, n)
	for i := range w {
		w[i] = words[r.IntN(len(words))]
	}
	s := strings.Join(w, " ")
	switch x := r.IntN(100); {
	case x < 3:
		s += `, 12.7 CM (5")` // quotes, escaped by the API
	case x < 4:
		s += ", CAFÉ"
	case x < 30:
		s = strings.Replace(s, " ", ", ", 1)
	}
	return s
}

func unit(r *rand.Rand) string {
	x := r.Float64()
	for _, u := range units {
		if x -= u.w; x < 0 {
			return u.u
		}
	}
	return "KG"
}

func writeMonth(path, flow, month string, codes []line, partners []partner, scale float64, zip bool, r *rand.Rand) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	var w io.Writer = f
	var zw *gzip.Writer
	if zip {
		zw, _ = gzip.NewWriterLevel(f, gzip.BestSpeed)
		w = zw
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	hdr := []string{"E_COMMODITY", "E_COMMODITY_LDESC", "ALL_VAL_MO", "QTY_1_MO", "UNIT_QY1", "CTY_CODE", "COMM_LVL", "time"}
	if flow == "import" {
		hdr = []string{"I_COMMODITY", "I_COMMODITY_LDESC", "GEN_VAL_MO", "GEN_QY1_MO", "UNIT_QY1", "CON_VAL_MO", "CTY_CODE", "COMM_LVL", "time"}
	}
	rows := 0
	writeRec := func(cells []string) {
		if rows == 0 {
			bw.WriteString("[[")
		} else {
			bw.WriteString(",\n[")
		}
		for i, c := range cells {
			if i > 0 {
				bw.WriteByte(',')
			}
			q, _ := json.Marshal(c)
			bw.Write(q)
		}
		bw.WriteByte(']')
		rows++
	}
	writeRec(hdr)
	// The API sorts by commodity, then partner.
	for _, l := range codes {
		for _, p := range partners {
			// A partner trades a line this month with a chance that grows
			// with its size and the line's popularity.
			if r.Float64() >= scale*math.Min(1, 2*p.share*(0.3+l.pop)) {
				continue
			}
			val := "0"
			if r.Float64() >= 0.23 {
				val = strconv.FormatInt(int64(math.Exp(p.mu+2.33*r.NormFloat64()))+1, 10)
			}
			qty := "0"
			if l.unit != "X" && val != "0" {
				qty = strconv.FormatInt(int64(math.Exp(8+2.5*r.NormFloat64())), 10)
			}
			if flow == "import" {
				// Imports for consumption: general imports less what
				// entered bonded warehouses and zones, up to a tenth.
				v, _ := strconv.ParseInt(val, 10, 64)
				con := strconv.FormatInt(v-int64(float64(v)*0.1*r.Float64()), 10)
				writeRec([]string{l.code, l.desc, val, qty, l.unit, con, p.code, "HS10", month})
				continue
			}
			writeRec([]string{l.code, l.desc, val, qty, l.unit, p.code, "HS10", month})
		}
	}
	bw.WriteString("]\n")
	if err := bw.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			f.Close()
			return 0, err
		}
	}
	return rows - 1, f.Close()
}
