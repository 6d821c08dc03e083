export { Hdf5Error, type Hdf5ErrorCode } from "./errors.js";
export {
  openWriter,
  Hdf5Writer,
  STRING_ATTR_SIZE,
  type AttrValue,
  type DatasetSpec,
  type DatasetDtype,
  type DatasetData,
} from "./writer.js";
export {
  openReader,
  Hdf5Reader,
  type AttributeInfo,
  type DatasetInfo,
  type Hdf5Type,
  type ObjectEntry,
  type ObjectKind,
  type TypeClass,
} from "./reader.js";
export { hdf5Versions, type Hdf5Versions } from "./versions.js";
