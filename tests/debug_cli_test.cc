// `qforge debug` end to end on a model trained on the synthetic data: the per-layer table, JSON
// with every layer and the sensitivity ranking, errors for mismatched or bad inputs; and the HTML
// report rendered by a real browser (headless Chromium): no console messages or script errors,
// the charts drawn (bars per layer, histograms of the worst layers, bytes by part), a screenshot.
#include <nlohmann/json.hpp>

#include "cli_helpers.h"

namespace {

using namespace qforge_cli_test;
using nlohmann::json;

class DebugCli : public Cli {
 protected:
  // lenet5 trained one epoch, and its int8 post-training model.
  void SetUp() override {
    Cli::SetUp();
    ASSERT_EQ(RunQforge("train --model lenet5 --epochs 1 --threads 1 " + Data() + " --out " + Out("run/model.ckpt"), dir_).exit_code, 0);
    ckpt_ = Out("run") + "/model.ckpt";
    const Result q = RunQforge("quantize " + ckpt_ + " --weight-bits 6 " + Data() + " --out " + Out("int8.qfm"), dir_);
    ASSERT_EQ(q.exit_code, 0) << q.err;
  }
  std::string ckpt_;
};

// The SVG element of chart `name` in a page ("" if none).
std::string Chart(const std::string& page, const std::string& name) {
  const size_t begin = page.find("<svg class=\"chart\" data-chart=\"" + name + "\"");
  if (begin == std::string::npos) return "";
  return page.substr(begin, page.find("</svg>", begin) - begin);
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(DebugCli, TablesJsonAndErrors) {
  const Result table = RunQforge("debug " + ckpt_ + " " + Out("int8.qfm") + " --samples 64 " + Data(), dir_);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("SQNR dB"), std::string::npos);
  EXPECT_NE(table.out.find("layers by the error they add (worst first): "), std::string::npos);
  const Result ranked = RunQforge("debug " + ckpt_ + " " + Out("int8.qfm") + " --samples 16 --sensitivity --sensitivity-samples 20 " + Data(), dir_);
  ASSERT_EQ(ranked.exit_code, 0) << ranked.err;
  const std::string prefix = "layers by the accuracy won keeping them in float (most first): ";
  const size_t line = ranked.out.find(prefix);
  ASSERT_NE(line, std::string::npos) << ranked.out;
  const std::string names = ranked.out.substr(line + prefix.size(), ranked.out.find('\n', line) - line - prefix.size());
  EXPECT_EQ(Count(names, ", "), 6) << names;  // all 7 layers ranked
  const Result r = RunQforge("debug " + ckpt_ + " " + Out("int8.qfm") + " --samples 64 --sensitivity --sensitivity-samples 50 --json " +
                             Data(), dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = OnlyJson(r);
  ASSERT_EQ(j.at("layers").size(), 7u);
  EXPECT_EQ(j.at("ranking").size(), 7u);
  EXPECT_EQ(j.at("samples"), 64);
  for (const json& l : j.at("layers")) {
    EXPECT_GT(l.at("sqnr_db").get<double>(), 10.0) << l.dump();
    EXPECT_EQ(l.at("activation_histogram").at("counts").size(), 64u);
  }
  const json& s = j.at("sensitivity");
  EXPECT_EQ(s.at("layers").size(), 7u);
  EXPECT_EQ(s.at("samples"), 50);
  EXPECT_NEAR(s.at("float_accuracy").get<double>(), s.at("quantized_accuracy").get<double>(), 0.1);
  // Mismatched and bad inputs: one error line each.
  ASSERT_EQ(RunQforge("train --init " + ckpt_ + " --qat --epochs 1 " + Data() + " --out " + Out("qat/model.ckpt"), dir_).exit_code, 0);
  ExpectFailure(RunQforge("debug " + Out("qat") + "/model.ckpt " + Out("int8.qfm") + " " + Data(), dir_),
                "is a post-training model but");
  ExpectFailure(RunQforge("debug " + ckpt_ + " " + Out("qat") + "/model.qfm " + Data(), dir_), "is a QAT model but");
  ExpectFailure(RunQforge("debug " + Out("qat") + "/model.ckpt " + Out("qat") + "/model.qfm --sensitivity " + Data(), dir_),
                "--sensitivity needs a post-training model");
  const Result qat = RunQforge("debug " + Out("qat") + "/model.ckpt " + Out("qat") + "/model.qfm --samples 32 --json " + Data(), dir_);
  ASSERT_EQ(qat.exit_code, 0) << qat.err;
  EXPECT_EQ(OnlyJson(qat).at("layers").size(), 7u);
  // A mixed-precision model: float and int16 layers compared too (their tensors named as any).
  ASSERT_EQ(RunQforge("quantize " + ckpt_ + " --keep-float conv1 --int16 dense1 " + Data() + " --out " + Out("mixed.qfm"), dir_).exit_code, 0);
  const Result mixed = RunQforge("debug " + ckpt_ + " " + Out("mixed.qfm") + " --samples 32 --json " + Data(), dir_);
  ASSERT_EQ(mixed.exit_code, 0) << mixed.err;
  const json m = OnlyJson(mixed);
  ASSERT_EQ(m.at("layers").size(), 7u);
  EXPECT_EQ(m.at("layers").at(0).at("dtype"), "FLOAT32");
  EXPECT_EQ(m.at("layers").at(0).at("added_sqnr_db"), "inf");  // float against float: no error
  EXPECT_EQ(m.at("layers").at(5).at("dtype"), "INT16");
  EXPECT_GT(m.at("layers").at(5).at("added_sqnr_db").get<double>(), 10.0);
  ExpectFailure(RunQforge("debug " + ckpt_ + " " + ckpt_ + " " + Data(), dir_), "not a .qfm model");
  ExpectUsageError(RunQforge("debug " + ckpt_ + " " + Out("int8.qfm") + " --samples 0 " + Data(), dir_), "--samples");
  ExpectUsageError(RunQforge("debug " + ckpt_, dir_), "model");
}

TEST_F(DebugCli, HtmlReportRendersInChromium) {
  const std::string chromium = QFORGE_CHROMIUM;
  ASSERT_FALSE(chromium.empty()) << "chromium was not found when the build was configured (scripts/setup.sh installs it)";
  const std::string html = Out("report.html"), png = Out("report.png");
  const Result r = RunQforge("debug " + ckpt_ + " " + Out("int8.qfm") + " --samples 64 --sensitivity --sensitivity-samples 200 --html " +
                             html + " " + Data(), dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string page = Slurp(html);
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"));  // no resource from the network
  EXPECT_EQ(page.find("https://"), std::string::npos);
  const std::string browser = "timeout 120 " + chromium + " --headless=new --no-sandbox --disable-gpu --user-data-dir=" +
                              Out("chromium-profile") + " --enable-logging=stderr --log-level=0 ";
  const std::string dom = Out("dom.html"), log = Out("chromium.log");
  ASSERT_EQ(std::system((browser + "--dump-dom file://" + html + " >" + dom + " 2>" + log).c_str()), 0) << Slurp(log);
  const std::string rendered = Slurp(dom), messages = Slurp(log);
  EXPECT_EQ(messages.find(":CONSOLE"), std::string::npos) << messages;  // no console output: no script error
  EXPECT_NE(rendered.find("data-rendered=\"yes\""), std::string::npos);
  EXPECT_NE(rendered.find("<pre id=\"errors\"></pre>"), std::string::npos);
  // The charts: SQNR (accumulated and added bars for each of the 7 layers; pooling and flattening
  // add no error, drawn at the cap), sensitivity, the worst three layers' histograms, the file's
  // bytes by part.
  EXPECT_EQ(Count(Chart(rendered, "sqnr"), "class=\"bar\""), 14);
  EXPECT_GE(Count(Chart(rendered, "sensitivity"), "class=\"bar\""), 1);
  EXPECT_EQ(Count(rendered, "data-chart=\"activations\""), 3);
  EXPECT_GE(Count(rendered, "data-chart=\"weights\""), 1);
  EXPECT_EQ(Count(rendered, "data-chart=\"bytes\""), 1);
  const size_t table = rendered.find("<div id=\"table\">");
  ASSERT_NE(table, std::string::npos);
  EXPECT_EQ(Count(rendered.substr(table, rendered.find("</table>", table) - table), "<tr"), 8);  // a header, 7 layers
  // A screenshot of the page.
  ASSERT_EQ(std::system((browser + "--window-size=1280,2400 --screenshot=" + png + " file://" + html + " >/dev/null 2>" + log).c_str()), 0)
      << Slurp(log);
  const std::string image = Slurp(png);
  ASSERT_GT(image.size(), 20000u);
  EXPECT_EQ(image.substr(1, 3), "PNG");
}

}  // namespace
