//! ML service: task queues and durations, and the workers behind its load balancer.

use super::Subsystem;
use crate::sim::Scenario;
use crate::sim::counter::{Arrivals, Counter};
use crate::sim::exposition::{ExpositionWriter, MetricKind};
use crate::sim::histogram::Histogram;
use crate::sim::rng::{LogNormal, SplitMix64};
use crate::sim::wander::{Band, Level};

const QUEUE_FAMILY: &str = "ml_tasks_queued";
const DURATION_FAMILY: &str = "ml_task_duration_seconds";
const BALANCER_FAMILY: &str = "ml_load_balancer_requests_total";
const CPU_FAMILY: &str = "ml_instance_cpu_usage_ratio";
const DURATION_BUCKETS: &[f64] = &[
    0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 300.0,
];

struct TaskSpec {
    task_type: &'static str,
    queued: (Band, Band),
    completions_per_sec: (Band, Band),
    duration: (LogNormal, LogNormal),
}

const TASKS: [TaskSpec; 3] = [
    TaskSpec {
        task_type: "segmentation",
        queued: (Band::new(5.0, 16.0), Band::new(125.0, 165.0)),
        completions_per_sec: (Band::new(1.8, 2.2), Band::new(1.1, 1.4)),
        duration: (LogNormal::new(9.0, 0.42), LogNormal::new(20.0, 0.4)),
    },
    TaskSpec {
        task_type: "feature_extraction",
        queued: (Band::new(3.0, 12.0), Band::new(3.0, 12.0)),
        completions_per_sec: (Band::new(3.6, 4.4), Band::new(3.6, 4.4)),
        duration: (LogNormal::new(3.5, 0.4), LogNormal::new(3.8, 0.4)),
    },
    TaskSpec {
        task_type: "thumbnail",
        queued: (Band::new(2.0, 8.0), Band::new(2.0, 8.0)),
        completions_per_sec: (Band::new(12.5, 15.5), Band::new(12.5, 15.5)),
        duration: (LogNormal::new(0.25, 0.4), LogNormal::new(0.25, 0.4)),
    },
];

/// The worker that the incident's sticky routing overloads.
const HOT_WORKER: &str = "ml-worker-3";
const WORKERS: [&str; 4] = ["ml-worker-1", "ml-worker-2", HOT_WORKER, "ml-worker-4"];
const BALANCED_RATE: Band = Band::new(4.6, 5.4);
const HOT_RATE: Band = Band::new(9.2, 10.5);
const STARVED_RATE: Band = Band::new(3.3, 4.0);
const NORMAL_CPU: Band = Band::new(0.32, 0.68);
const HOT_CPU: Band = Band::new(0.86, 0.92);
const BUSY_CPU: Band = Band::new(0.5, 0.75);

struct TaskQueue {
    spec: &'static TaskSpec,
    queued: Level,
    completion_rate: Level,
    arrivals: Arrivals,
    durations: Histogram,
}

struct Worker {
    instance: &'static str,
    request_rate: Level,
    cpu: Level,
    requests: Counter,
}

pub struct MachineLearning {
    queues: Vec<TaskQueue>,
    workers: Vec<Worker>,
}

impl MachineLearning {
    pub fn new(rng: &mut SplitMix64) -> Self {
        let queues = TASKS
            .iter()
            .map(|spec| TaskQueue {
                spec,
                queued: Level::new(rng, spec.queued.0, spec.queued.1),
                completion_rate: Level::new(
                    rng,
                    spec.completions_per_sec.0,
                    spec.completions_per_sec.1,
                ),
                arrivals: Arrivals::new(rng),
                durations: Histogram::new(DURATION_BUCKETS),
            })
            .collect();
        let workers = WORKERS
            .iter()
            .map(|&instance| {
                let (incident_rate, incident_cpu) = if instance == HOT_WORKER {
                    (HOT_RATE, HOT_CPU)
                } else {
                    (STARVED_RATE, BUSY_CPU)
                };
                Worker {
                    instance,
                    request_rate: Level::new(rng, BALANCED_RATE, incident_rate),
                    cpu: Level::new(rng, NORMAL_CPU, incident_cpu),
                    requests: Counter::default(),
                }
            })
            .collect();
        Self { queues, workers }
    }
}

impl Subsystem for MachineLearning {
    fn step(&mut self, dt_secs: f64, scenario: Scenario, rng: &mut SplitMix64) {
        for queue in &mut self.queues {
            queue.queued.step(dt_secs, rng);
            queue.completion_rate.step(dt_secs, rng);
            let duration = match scenario {
                Scenario::Normal => queue.spec.duration.0,
                Scenario::Incident => queue.spec.duration.1,
            };
            for _ in 0..queue
                .arrivals
                .due(queue.completion_rate.value(scenario), dt_secs)
            {
                queue.durations.observe(duration.sample(rng, 1.0));
            }
        }
        for worker in &mut self.workers {
            worker.request_rate.step(dt_secs, rng);
            worker.cpu.step(dt_secs, rng);
            worker
                .requests
                .accumulate(worker.request_rate.value(scenario), dt_secs);
        }
    }

    fn write_metrics(&self, scenario: Scenario, out: &mut ExpositionWriter) {
        out.family(
            QUEUE_FAMILY,
            MetricKind::Gauge,
            "ML tasks waiting for a worker, by task type.",
        );
        for queue in &self.queues {
            out.sample(
                QUEUE_FAMILY,
                &[("task_type", queue.spec.task_type)],
                queue.queued.value(scenario).round(),
            );
        }
        out.family(
            DURATION_FAMILY,
            MetricKind::Histogram,
            "Duration of completed ML tasks, by task type.",
        );
        for queue in &self.queues {
            out.histogram(
                DURATION_FAMILY,
                &[("task_type", queue.spec.task_type)],
                &queue.durations,
            );
        }
        out.family(
            BALANCER_FAMILY,
            MetricKind::Counter,
            "Requests the ML load balancer sent to each worker.",
        );
        for worker in &self.workers {
            out.sample(
                BALANCER_FAMILY,
                &[("instance", worker.instance)],
                worker.requests.value(),
            );
        }
        out.family(
            CPU_FAMILY,
            MetricKind::Gauge,
            "CPU usage of each ML worker, from 0 to 1.",
        );
        for worker in &self.workers {
            out.sample(
                CPU_FAMILY,
                &[("instance", worker.instance)],
                worker.cpu.value(scenario),
            );
        }
    }
}
