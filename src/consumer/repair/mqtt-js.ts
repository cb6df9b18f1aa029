import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/**
 * MQTT.js behind a module of our own, for the repair link's dynamic import: the build bundles the package,
 * and a dynamic import() of a bundled CommonJS package would give only its default export.
 */
export const connectMqtt = (url: string, options: IClientOptions): MqttClient => mqtt.connect(url, options);
