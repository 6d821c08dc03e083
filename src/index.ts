/**
 * fits2idia-ts: convert FITS images and cubes into the IDIA HDF5 schema read by CARTA.
 * The public API; the command line is a thin layer over it.
 */
export { convert, type ConvertOptions, type ConvertReport, type Mode } from "./engine/convert.js";
export { checksumPolicyOf, conversionSettings, sharedSettings, type ChecksumPolicy, type ConversionSettings, type SharedSettings, type SettingsInput } from "./engine/settings.js";
export type { Progress, ProgressCallback, Stage } from "./engine/progress.js";
export {
  predictMemory,
  predictMemoryForShape,
  type MemoryBreakdown,
  type MemoryComponent,
  type MemoryModelOptions,
  type MemoryPrediction,
} from "./engine/memory.js";
export { chooseMode, MemoryLimitError, AddressSpaceError, type MemoryLimit, type ModeChoice, type ModeChoiceOptions } from "./engine/mode-choice.js";
export { planConversion, resolveResources, type ConversionPlan, type PlanOptions, type ResourceOptions, type Resources } from "./engine/plan.js";
export { resolveKernels, type KernelsChoice, type KernelsName, type KernelsRequest } from "./engine/kernel-set.js";
export {
  availableMemory,
  threadCount,
  type AvailableMemory,
  type AvailableMemoryOptions,
  type MemorySource,
  type ThreadCount,
  type ThreadSource,
  ThreadsError,
} from "./engine/resources.js";
export { OptionError } from "./config/option-error.js";
export { OutputError, OutputBusyError, OutputIsInputError, type InputClash, type OutputErrorCode } from "./engine/output-errors.js";
export { Hdf5Error, type Hdf5ErrorCode } from "./hdf5/errors.js";
export { parseSize, formatGB, SizeError } from "./config/size.js";
export { parseRc, readRc, RcError, type RcFile, type RcSettings } from "./config/rc.js";
export { FitsError, type FitsErrorCode } from "./fits/errors.js";
export { FitsImage, type ImageShape } from "./fits/image.js";
export { Checksum, checksumOf, compareChecksums, decodeChecksum, encodeChecksum, encodeDatasum, type ChecksumResult } from "./fits/checksum.js";
export { FitsHeader } from "./fits/header.js";
export type { Card, CardValue } from "./fits/card.js";
export type { HduSelector } from "./fits/hdu.js";
export { readHeader, type HeaderSummary } from "./read-header.js";
export { defaultOutputName } from "./common/output-name.js";
export { CONVERTER_NAME, CONVERTER_VERSION } from "./version.js";
export { verifyFile, okLine, problemLines, provenanceText, warningLines, type Difference, type VerifyOptions, type VerifyReport } from "./verify/index.js";
export { readProvenance, provenanceLines, PROVENANCE_ATTRIBUTES, type Provenance, type ProvenanceAttribute } from "./schema/provenance.js";
export { STDIN_NAME, STREAM_NAME, type FileDigest, type FitsInput } from "./fits/source.js";
export { runBatch, runConversions, BatchError, type BatchOptions, type BatchReport, type BatchEvent } from "./batch/run-batch.js";
export { collectInputs, BatchInputError, type BatchInput } from "./batch/inputs.js";
export type { BatchJob, JobResult, JobStatus } from "./batch/job.js";
export { writeSlurmJob, submitSlurmJob, runArrayTask, readManifest, SlurmError, type SlurmJob, type SlurmJobOptions } from "./batch/slurm-job.js";
export { DirectiveError, type Manifest, type SlurmTask, type SlurmPlan, type Submission } from "./batch/slurm-plan.js";
export { summaryTable } from "./batch/summary.js";
