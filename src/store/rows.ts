/** Row types of the store's tables, as every repository returns them (identical on both dialects). */
import type * as pg from "./schema/pg.js";

export type Run = typeof pg.runs.$inferSelect;
export type Iteration = typeof pg.iterations.$inferSelect;
export type Agent = typeof pg.agents.$inferSelect;
export type ModelVersion = typeof pg.modelVersions.$inferSelect;
export type Question = typeof pg.questions.$inferSelect;
export type Debate = typeof pg.debates.$inferSelect;
export type Turn = typeof pg.turns.$inferSelect;
export type Dataset = typeof pg.datasets.$inferSelect;
export type DatasetRow = typeof pg.datasetRows.$inferSelect;
export type TrainingJob = typeof pg.trainingJobs.$inferSelect;
export type Metric = typeof pg.metrics.$inferSelect;
export type Unit = typeof pg.units.$inferSelect;
export type Lease = typeof pg.leases.$inferSelect;

export type * from "./schema/types.js";
