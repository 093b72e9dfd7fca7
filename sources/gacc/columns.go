package gacc

import (
	"fmt"
	"slices"
	"strings"
)

// field is a column of the HS-8 × partner × month detail table.
type field int

const (
	fPeriod field = iota
	fHSCode
	fDescription
	fPartnerCode
	fPartnerName
	fQuantity1
	fUnit1
	fQuantity2
	fUnit2
	fValueUSD
	fFlow
	fRegime     // 贸易方式: customs regime (ordinary, processing, bonded, ...)
	fRegistered // 注册地: registered place of the importer/exporter
	fValueRMB   // 人民币: value in yuan, converted only with a rate table
	numFields
)

// column is one field of the detail table and the headers that name it.
type column struct {
	name     string // the field's name in rejects and errors
	required bool
	headers  []string // compared after normHeader
}

// columns is the one place that maps the detail table's headers to fields.
//
// UNCONFIRMED: the layout of GACC's online-query download
// (stats.customs.gov.cn) has not been checked against a real file. The
// Chinese headers (数据年月, 商品编码, 商品名称, 贸易伙伴编码, 贸易伙伴名称,
// 第一数量, 第一计量单位, 第二数量, 第二计量单位, 美元) and their English
// counterparts are the plausible variants named in the reference notes;
// add a header here when a real download shows another.
var columns = [numFields]column{
	fPeriod: {"period", true, []string{
		"数据年月", "年月", "日期", "时间", "统计年月",
		"date", "period", "yearmonth", "year month", "data year month", "month", "time"}},
	fHSCode: {"hs_code", true, []string{
		"商品编码", "商品代码", "hs编码", "税则号列",
		"commodity code", "hs code", "hs8", "hs 8 code", "code", "product code", "commodity"}},
	fDescription: {"description", false, []string{
		"商品名称", "commodity name", "description", "commodity description", "product name"}},
	fPartnerCode: {"partner_code", false, []string{
		"贸易伙伴编码", "贸易伙伴代码", "国别代码", "国家代码", "国别地区代码",
		"trading partner code", "partner code", "country code", "country region code"}},
	fPartnerName: {"partner_name", false, []string{
		"贸易伙伴名称", "贸易伙伴", "国别", "国家", "国别地区", "原产国", "国别名称",
		"trading partner name", "trading partner", "partner", "partner name", "country", "country name", "country region"}},
	fQuantity1: {"quantity", false, []string{
		"第一数量", "数量", "first quantity", "quantity 1", "quantity1", "quantity", "first qty"}},
	fUnit1: {"quantity_unit", false, []string{
		"第一计量单位", "第一单位", "计量单位", "first unit", "first unit of measurement", "first unit of quantity", "unit 1", "unit1", "unit", "quantity unit"}},
	fQuantity2: {"quantity_2", false, []string{
		"第二数量", "second quantity", "quantity 2", "quantity2", "second qty"}},
	fUnit2: {"quantity_unit_2", false, []string{
		"第二计量单位", "第二单位", "second unit", "second unit of measurement", "second unit of quantity", "unit 2", "unit2"}},
	fValueUSD: {"value_usd", true, []string{
		"美元", "美元值", "金额美元", "金额 美元", "美元金额", "美元 usd",
		"us dollar", "us dollars", "usd", "us$", "value usd", "value us dollar", "trade value usd", "value in us dollars", "value"}},
	fFlow: {"flow", false, []string{
		"进出口", "进出口标志", "贸易流向", "flow", "trade flow", "import export", "imp exp"}},
	fRegime: {"customs_regime", false, []string{
		"贸易方式", "贸易方式名称", "监管方式", "trade mode", "trading mode", "customs regime", "regime"}},
	fValueRMB: {"value_rmb", false, []string{
		"人民币", "人民币值", "金额人民币", "人民币金额", "rmb", "cny", "value rmb", "value cny", "value in rmb", "yuan"}},
	fRegistered: {"registered_place", false, []string{
		"注册地", "注册地名称", "收发货人注册地", "registered place", "place of registration", "registration place"}},
}

// normHeader folds a header for matching: BOM and surrounding space
// dropped, lower case, brackets, underscores and punctuation turned into
// single spaces ("US$(美元)" stays distinguishable from "美元" only by
// what the table lists).
func normHeader(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.ToLower(strings.TrimSpace(s))
	repl := strings.NewReplacer("（", " ", "）", " ", "(", " ", ")", " ", "_", " ", "-", " ", "/", " ", ":", " ", "：", " ", "\u3000", " ", "\n", " ", "\t", " ")
	return strings.Join(strings.Fields(repl.Replace(s)), " ")
}

// layout is where each field sits in a header row; -1 when absent.
type layout [numFields]int

// matchHeader maps a header row to fields. ok is false when the row is not
// a detail table header (fewer than the required fields); missing names
// the required fields then absent.
func matchHeader(row []string) (l layout, ok bool, missing []string) {
	for i := range l {
		l[i] = -1
	}
	for i, cell := range row {
		h := normHeader(cell)
		if h == "" {
			continue
		}
		for f := range columns {
			if l[f] < 0 && slices.Contains(columns[f].headers, h) {
				l[f] = i
				break
			}
		}
	}
	for f, c := range columns {
		// A yuan column stands in for the dollar one; parseDetail then
		// needs a rate table.
		if c.required && l[f] < 0 && !(field(f) == fValueUSD && l[fValueRMB] >= 0) {
			missing = append(missing, c.name)
		}
	}
	if l[fPartnerCode] < 0 && l[fPartnerName] < 0 {
		missing = append(missing, "partner_code or partner_name")
	}
	return l, len(missing) == 0, missing
}

// describeHeader quotes a header row for errors.
func describeHeader(row []string) string {
	q := make([]string, len(row))
	for i, c := range row {
		q[i] = fmt.Sprintf("%q", strings.TrimSpace(c))
	}
	return strings.Join(q, ",")
}
