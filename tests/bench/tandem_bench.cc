// tandem_bench: prints how fast the engine and start-up are on this machine (docs/performance.md).
// Not a test: nothing here fails a build or CTest; it prints figures and their targets.
//
//   tandem_bench [--walks N] [--strict]
//     --walks N   walks per flow for the engine-step figures (default 2000)
//     --strict    exit 1 if a figure is over its target (default: always exit 0)
//
// (a) one engine step: every apply() of realistic walks through each shipped flow, timed alone;
// (b) start-up: embedded_sources() + load_resources(), as `tandem serve` does;
// (c) replaying a 1,000-event session log (a full walk with pause/ready/ready cycles spread
//     through it), as the app does when it rebuilds a session from its log after a restart.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/wiring.h"
#include "engine/engine.h"
#include "results_table.h"

namespace {

using namespace tandem::bench;

using namespace tandem;
using Clock = std::chrono::steady_clock;

constexpr int kStartupRuns = 20;
constexpr int kReplayRuns = 50;
constexpr std::size_t kReplayEvents = 1000;
constexpr double kStepTargetUs = 5.0;
constexpr double kStartupTargetMs = 100.0;
constexpr double kReplayTargetMs = 2.0;
constexpr double kRenderTargetUs = 2.0;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// The q-quantile (0..1) of samples, nearest rank.
double quantile(std::vector<double> samples, double q) {
  if (samples.empty()) return 0;
  std::size_t rank = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
  std::nth_element(samples.begin(), samples.begin() + static_cast<long>(rank), samples.end());
  return samples[rank];
}
double median(std::vector<double> samples) { return quantile(std::move(samples), 0.5); }

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tandem_bench: %s\n", what.c_str());
  std::exit(2);
}

// How a walk answers a choice: the option index it picks, given how many options there are and
// how many choices the walk has answered so far. The engine-step walks always pick the first.
using ChoicePolicy = std::function<std::size_t(std::size_t options, std::size_t answered)>;

// An answer of the right shape for what `awaiting` asks: the chosen option, a mid-scale number,
// a short text, or one answer per item of a private list.
Value answer(const InputSpec& spec, std::size_t option) {
  if (!spec.items.empty()) return List(spec.items.size(), spec.options.empty() ? "yes" : spec.options.front().first);
  switch (spec.type) {
    case InputType::Text:
    case InputType::Feeling:
      return std::string("a short answer");
    case InputType::Scale:
      return std::int64_t{(spec.min + spec.max) / 2};
    case InputType::Multi: {
      List chosen;
      std::size_t want = static_cast<std::size_t>(std::max(spec.min, 1));
      if (spec.max != 0) want = std::min(want, static_cast<std::size_t>(spec.max));
      for (std::size_t i = 0; i < spec.options.size() && chosen.size() < want; ++i) chosen.push_back(spec.options[i].first);
      return chosen;
    }
    case InputType::Choice:
    case InputType::YesMaybeNo:
    case InputType::Confirm:
      if (spec.options.empty()) die("a choice without options");
      return spec.options[option % spec.options.size()].first;
  }
  return std::string("a short answer");
}

// A session's flows as the app pins them: the root and every flow it may call, transitively.
FlowSet flow_set(const FlowLibrary& library, const FlowPtr& root) {
  FlowSet set;
  set.root = root;
  std::function<void(const FlowPtr&)> add = [&](const FlowPtr& flow) {
    if (!set.flows.emplace(flow->id, flow).second) return;
    for (const std::string& callee : flow->calls()) {
      FlowPtr called = library.find(callee);
      if (!called) die("flow \"" + flow->id + "\" calls \"" + callee + "\", which is not loaded");
      add(called);
    }
  };
  add(root);
  return set;
}

Event start_event(const FlowSet& flows) {
  Event start = Event::start({PartnerInfo{"Ana", "en"}, PartnerInfo{"Ben", "en"}});
  for (const auto& [id, flow] : flows.flows)
    if (flow != flows.root) start.flows[id] = flow->hash;
  return start;
}

// Walks `flows` from Start to the end, answering what awaiting() asks (the first partner asked
// answers first); returns the events, or nothing if the walk has not ended after `limit` events.
std::vector<Event> walk(const FlowSet& flows, const ChoicePolicy& policy, std::size_t limit = 5000) {
  std::vector<Event> events;
  SessionState state;
  auto step = [&](const Event& e) {
    auto out = apply(flows, state, e);
    if (!out) die("the walk was refused: " + out.error().code + ": " + out.error().message);
    state = std::move(out->state);
    events.push_back(e);
  };
  step(start_event(flows));
  std::size_t choices = 0;
  while (!state.ended()) {
    auto asked = awaiting(flows, state);
    if (asked.empty()) die("nobody is asked at step \"" + current_step_id(flows, state) + "\"");
    const Awaited& who = asked.front();
    std::size_t pick = 0;
    if (who.input.items.empty() && !who.input.options.empty()) pick = policy(who.input.options.size(), choices++);
    step(Event::input(who.partner, who.step, answer(who.input, pick)));
    if (events.size() > limit) return {};
  }
  return events;
}


// (a) Engine steps: each apply() of many walks, timed alone.
void bench_steps(const Resources& resources, int walks, std::vector<Row>& rows) {
  for (const FlowPtr& flow : resources.flows.all()) {
    FlowSet flows = flow_set(resources.flows, flow);
    std::vector<Event> events = walk(flows, [](std::size_t, std::size_t) { return std::size_t{0}; });
    if (events.empty()) die("always answering the first option, " + flow->id + " does not end");
    std::vector<double> samples;
    std::vector<std::vector<double>> by_event(events.size());  // the same event of every walk
    std::vector<std::string> step_of(events.size());
    samples.reserve(events.size() * static_cast<std::size_t>(walks));
    for (int w = -walks / 10; w < walks; ++w) {  // the first tenth warms up and is not counted
      SessionState state;
      for (std::size_t i = 0; i < events.size(); ++i) {
        auto t0 = Clock::now();
        auto out = apply(flows, state, events[i]);
        auto t1 = Clock::now();
        if (!out) die("replayed walk refused: " + out.error().message);
        state = std::move(out->state);
        if (w < 0) continue;
        samples.push_back(micros(t1 - t0));
        by_event[i].push_back(samples.back());
        if (w == 0) step_of[i] = events[i].kind == EventKind::Start ? "start" : events[i].step;
      }
    }
    std::vector<std::pair<double, std::size_t>> slowest;
    for (std::size_t i = 0; i < events.size(); ++i) slowest.emplace_back(median(by_event[i]), i);
    std::sort(slowest.rbegin(), slowest.rend());
    std::string top;
    for (std::size_t k = 0; k < std::min<std::size_t>(3, slowest.size()); ++k) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s%s (event %zu) %.2f µs", k ? ", " : "", step_of[slowest[k].second].c_str(),
                    slowest[k].second + 1, slowest[k].first);
      top += buf;
    }
    double med = median(samples), p99 = quantile(samples, 0.99);
    std::printf("  %s: %zu events per walk, %d walks, %zu timed steps; min %.2f µs, p90 %.2f µs, max %.1f µs\n",
                flow->id.c_str(), events.size(), walks, samples.size(), *std::min_element(samples.begin(), samples.end()),
                quantile(samples, 0.9), *std::max_element(samples.begin(), samples.end()));
    std::printf("  %s: slowest events by median: %s\n", flow->id.c_str(), top.c_str());
    rows.push_back({"engine step, " + flow->id + ", median", format(med, "µs"), "≤ " + format(kStepTargetUs, "µs"),
                    med <= kStepTargetUs});
    rows.push_back({"engine step, " + flow->id + ", p99", format(p99, "µs"), "", true});
  }
}

// (b) Start-up: embedded sources, then every catalog compiled and every flow loaded and checked.
std::unique_ptr<Resources> bench_startup(std::vector<Row>& rows) {
  std::vector<double> samples;
  std::unique_ptr<Resources> kept;
  std::size_t flows = 0, catalogs = 0;
  for (int run = 0; run < kStartupRuns + 1; ++run) {  // run 0 warms up
    auto t0 = Clock::now();
    Sources sources = embedded_sources();
    auto resources = load_resources(sources);
    auto t1 = Clock::now();
    if (!resources) die("load_resources failed:\n" + resources.error().message);
    flows = sources.flows.size();
    catalogs = sources.catalogs.size();
    if (run > 0) samples.push_back(micros(t1 - t0) / 1000);
    kept = std::move(*resources);
  }
  std::printf("  start-up: %zu flows, %zu catalogs, %zu locales; %d runs, min %.1f ms, max %.1f ms\n", flows, catalogs,
              kept->locales.size(), kStartupRuns, *std::min_element(samples.begin(), samples.end()),
              *std::max_element(samples.begin(), samples.end()));
  double med = median(samples);
  rows.push_back({"start-up: load flows and locales, median", format(med, "ms"), "≤ " + format(kStartupTargetMs, "ms"),
                  med <= kStartupTargetMs});

  // For information: what `tandem lint` does on top (check_sources: every locale against English).
  std::vector<double> lint;
  for (int run = 0; run < 5; ++run) {
    Sources sources = embedded_sources();
    auto t0 = Clock::now();
    auto problems = check_sources(sources);
    auto t1 = Clock::now();
    if (!problems.empty()) die("check_sources reports problems in the shipped flows: " + problems.front().to_string());
    lint.push_back(micros(t1 - t0) / 1000);
  }
  rows.push_back({"lint: check_sources, median of 5", format(median(lint), "ms"), "", true});
  return kept;
}

// A log of `total` events: Start, a full walk, and pause/ready/ready cycles spread evenly before
// its inputs. A pause cycle is 3 events, so among a few answer patterns the walk whose length
// lets whole cycles fill the log exactly is preferred (the longest such); if no pattern fits,
// the log is one or two events short, and the output says so.
std::vector<Event> session_log(const FlowSet& flows, std::size_t total) {
  std::vector<Event> best;
  auto better = [&](const std::vector<Event>& a, const std::vector<Event>& b) {  // is a better than b?
    if (b.empty()) return true;
    std::size_t ra = (total - a.size()) % 3, rb = (total - b.size()) % 3;
    return ra != rb ? ra < rb : a.size() > b.size();
  };
  for (std::size_t pattern = 0; pattern < 81; ++pattern) {
    std::vector<Event> events = walk(flows, [&](std::size_t options, std::size_t answered) {
      std::size_t digit = pattern;  // base-3 digits of the pattern, one per choice, cycling
      for (std::size_t i = 0; i < answered % 4; ++i) digit /= 3;
      return (digit % 3) % options;
    });
    if (events.empty() || events.size() > total) continue;
    if (better(events, best)) best = std::move(events);
  }
  if (best.empty()) die("no walk of " + flows.root->id + " fits in " + std::to_string(total) + " events");
  std::size_t inputs = best.size() - 1, cycles = (total - best.size()) / 3;
  std::vector<Event> log{best.front()};
  for (std::size_t i = 0; i < inputs; ++i) {
    std::size_t here = (i + 1) * cycles / inputs - i * cycles / inputs;
    for (std::size_t c = 0; c < here; ++c) {
      Partner by = (log.size() / 3) % 2 ? Partner::B : Partner::A;
      log.push_back(Event::control(EventKind::Pause, by));
      log.push_back(Event::control(EventKind::Resume, by));
      log.push_back(Event::control(EventKind::Resume, other(by)));
    }
    log.push_back(best[i + 1]);
  }
  return log;
}

// (c) Replaying a 1,000-event log.
void bench_replay(const Resources& resources, std::vector<Row>& rows) {
  for (const FlowPtr& flow : resources.flows.all()) {
    FlowSet flows = flow_set(resources.flows, flow);
    std::vector<Event> log = session_log(flows, kReplayEvents);
    std::vector<double> samples;
    std::size_t entries = 0;
    for (int run = 0; run < kReplayRuns + 5; ++run) {  // 5 warm-up runs
      auto t0 = Clock::now();
      auto out = replay(flows, log);
      auto t1 = Clock::now();
      if (!out) die("replay failed: " + out.error().message);
      if (out->state.status != SessionStatus::Completed) die("the replayed session did not complete");
      entries = out->entries.size();
      if (run >= 5) samples.push_back(micros(t1 - t0) / 1000);
    }
    std::size_t inputs = static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [](const Event& e) {
      return e.kind == EventKind::Input;
    }));
    std::printf("  replay %s: %zu events (%zu inputs, %zu pause cycles), %zu entries; %d runs, min %.2f ms, max %.2f ms\n",
                flow->id.c_str(), log.size(), inputs, (log.size() - 1 - inputs) / 3, entries, kReplayRuns,
                *std::min_element(samples.begin(), samples.end()), *std::max_element(samples.begin(), samples.end()));
    double med = median(samples);
    std::string events = log.size() == 1000 ? "1,000" : std::to_string(log.size());
    rows.push_back({"replay " + events + " events, " + flow->id + ", median", format(med, "ms"), "≤ " + format(kReplayTargetMs, "ms"),
                    med <= kReplayTargetMs});
  }
}

// Width in columns of UTF-8 text (µ and ≤ are one column each).

// (d) Rendering a prompt with a plural and a select, warm (the formatter compiled and cached on
// this thread), in languages with different plural rules.
void bench_render(std::vector<Row>& rows) {
  Catalogs catalogs;
  auto add = [&](const char* locale, const char* pattern) {
    std::string text = std::string("{ \"@@locale\": \"") + locale + "\", \"left\": \"" + pattern + "\" }";
    if (auto ok = catalogs.add_arb(text, "bench", locale); !ok) die(ok.error().message);
  };
  add("en", "{who, select, a {{name}, you} other {{name}}} have {n, plural, one {# step} other {# steps}} left");
  add("ru", "{who, select, a {{name}, у тебя} other {У {name}}} {n, plural, one {# шаг} few {# шага} many {# шагов} other {# шага}}");
  add("ar", "{who, select, a {{name}، لديك} other {لدى {name}}} {n, plural, zero {لا خطوات} one {خطوة} two {خطوتان} few {# خطوات} many {# خطوة} other {# خطوة}}");
  for (const char* locale : {"en", "ru", "ar"}) {
    std::vector<double> samples;
    for (int i = 0; i < 20000; ++i) {
      Args args{{"who", i % 2 ? "a" : "b"}, {"name", "Ana"}, {"n", std::int64_t{i % 30}}};
      auto t0 = Clock::now();
      std::string text = catalogs.render(locale, "bench", "left", args);
      auto t1 = Clock::now();
      if (text.empty()) die("render returned nothing");
      if (i >= 100) samples.push_back(micros(t1 - t0));  // the first renders compile and warm up
    }
    double med = median(samples);
    rows.push_back({std::string("render plural+select, ") + locale + ", median", format(med, "µs"),
                    "≤ " + format(kRenderTargetUs, "µs"), med <= kRenderTargetUs});
  }
}

}  // namespace

int main(int argc, char** argv) {
  int walks = 2000;
  bool strict = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--walks") && i + 1 < argc) walks = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--strict")) strict = true;
    else {
      std::fprintf(stderr, "usage: tandem_bench [--walks N] [--strict]\n");
      return 2;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("tandem_bench: %u hardware threads, single-threaded measurements, std::chrono::steady_clock\n",
              std::thread::hardware_concurrency());
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    double l1 = 0, l5 = 0, l15 = 0;
    if (std::fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
      std::printf("load average before the run (1, 5, 15 min): %.2f %.2f %.2f\n", l1, l5, l15);
    std::fclose(f);
  }
  std::vector<Row> rows;
  auto resources = bench_startup(rows);
  bench_steps(*resources, walks, rows);
  bench_replay(*resources, rows);
  bench_render(rows);

  bool all_ok = print_rows(rows);
  return strict && !all_ok ? 1 : 0;
}
